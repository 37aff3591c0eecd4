#pragma once
// A task as loaded from task.toml (format: docs/task-format.md).
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "suite/environment.hpp"

namespace agentrace::suite {

enum class RepoKind { patches, dir, url };
enum class HiddenKind { dir, patch };
enum class Tier { setup, fail_to_pass, strict, pass_to_pass };
std::string to_string(Tier t);
// A test suite runner whose one run reports many tests by id (docs/task-format.md, "Tests by id").
enum class Runner { none, pytest, unittest, go_test, node_test, mocha, jest, junit, tap, ctest, reward };
std::string to_string(Runner r);
std::optional<Runner> parse_runner(std::string_view name);

// An id of the `reward` runner: a condition on one number of a verifier's reward file
// ("reward>0", "reward>=1", "accuracy=1"; docs/task-format.md, "Rewards").
struct RewardCheck {
  std::string key;
  std::string op;  // ">", ">=" or "="
  double value = 0;
  bool holds(double v) const;
};
std::optional<RewardCheck> parse_reward_check(std::string_view id);

struct RepoSource {
  RepoKind kind = RepoKind::patches;
  std::filesystem::path path;  // patches folder or plain folder (absolute)
  std::string url;             // url kind: git URL or local path
  std::string commit;          // url kind: base commit
  bool submodules = false;     // url kind: submodules fetched at cache time, present in workspaces
};

struct TestCommand {
  Tier tier = Tier::fail_to_pass;
  std::string name;
  std::string cmd;                // with a runner: empty = the runner's own command
  Runner runner = Runner::none;   // with a runner, each id is one outcome
  std::vector<std::string> ids;
  std::string report;             // the file the command writes: relative to the checkout, or (reward) absolute under Task::logs
};

// Where a task came from ([origin]): kind (swe-bench, harbor, commit) and its id there,
// plus that source's own fields (repo, version, ...), kept for exports such as predictions.
struct Origin {
  std::string kind, id;
  std::vector<std::pair<std::string, std::string>> fields;
};

struct GradeMeanings {
  std::string miss, basic, solid, complete;
};

struct Task {
  std::string id;
  std::string title;
  std::string language;
  std::vector<std::string> tags;
  std::filesystem::path dir;        // the task folder (absolute)
  std::filesystem::path spec_file;  // its task.toml
  std::filesystem::path statement_file;
  std::string statement;            // the prompt handed to the agent
  std::vector<std::string> toolchain;
  RepoSource repo;
  std::filesystem::path fix_patch;
  HiddenKind hidden_kind = HiddenKind::dir;
  std::filesystem::path hidden;     // folder or patch (absolute)
  std::filesystem::path hidden_support;  // with a patch: a folder of support files too ("" = none)
  std::optional<std::filesystem::path> hidden_at;  // dir shown read-only at this path when grading, not copied in
  std::optional<std::filesystem::path> logs;       // a fresh writable folder at this path for each test command
  std::optional<std::string> setup; // build step before every tier
  int setup_timeout_s = 600;
  int test_timeout_s = 120;
  std::vector<TestCommand> tests;   // in tier order: fail_to_pass, strict, pass_to_pass
  std::vector<std::string> protected_globs;  // harness files the agent may not touch (default: the language's)
  GradeMeanings grades;
  int agent_seconds = 900;
  std::optional<Origin> origin;
  std::optional<Environment> environment;  // [environment], else the suite's environment.toml
  std::string hash;                 // content hash (sha256 hex)

  std::vector<const TestCommand*> tier(Tier t) const;
};

struct Suite {
  std::filesystem::path dir;
  std::string name;  // folder name
  std::vector<Task> tasks;
  const Task* find(const std::string& id) const;
};

// The protected globs of a task that names none (docs/task-format.md lists them).
std::vector<std::string> default_protected(const std::string& language);

// A `[repo] url` that names a local path rather than a git URL (scheme:// or host:path);
// a relative one is read from the task folder.
bool is_local_url(std::string_view url);
std::filesystem::path local_url_path(const Task& task);

// Throws core::UsageError listing every problem as file:line:col: message.
Task load_task(const std::filesystem::path& task_dir);
// The same for the text of the task.toml in task_dir, already read.
Task parse_task(std::string_view spec, const std::filesystem::path& task_dir);
Suite load_suite(const std::filesystem::path& suite_dir);

}  // namespace agentrace::suite
