#pragma once
// Writes a task folder (task.toml, statement.md, fix.patch, hidden.patch) from parts,
// the way docs/task-format.md lays it out, with values quoted by toml++.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace agentrace::interop {

struct TaskDraft {
  std::string id, title, language;
  std::vector<std::string> tags, toolchain;
  std::string statement;
  std::string repo_url, base_commit;
  std::string repo_dir;                      // instead of url: a folder in the task folder, filled by the caller
  std::string fix_patch, hidden_patch;
  std::string hidden_dir, hidden_at;         // instead of hidden_patch: a folder (filled by the caller), shown at `at`
  std::string logs;                          // [tests] logs
  int agent_seconds = 0;                     // [limits] (0 = the default)
  std::optional<std::string> setup;
  int test_timeout_s = 120;
  struct Test {
    std::string tier, name, cmd;  // tier: fail_to_pass | strict | pass_to_pass
    std::string runner;           // with ids: one outcome per id (docs/task-format.md, "Tests by id")
    std::vector<std::string> ids;
  };
  std::vector<Test> tests;
  std::string miss, basic, solid, complete;  // grade meanings
  std::vector<std::string> notes;            // comments written at the top of task.toml
  std::vector<std::pair<std::string, std::string>> origin;  // [origin]: where the task came from
  std::string extra_toml;                    // tables written as they are (e.g. [environment])
  std::vector<std::pair<std::string, std::string>> files;   // more files: name, content
};

// One task an import wrote.
struct ImportedTask {
  std::string id;
  std::filesystem::path dir;
  std::vector<std::string> notes;  // what had no counterpart or needs the user
};

// Writes the draft into dir (created); returns dir / "task.toml".
std::filesystem::path write_task(const TaskDraft& d, const std::filesystem::path& dir);
// A TOML value for s (a basic, literal or multi-line string as toml++ picks).
std::string toml_quote(const std::string& s);
// A task id from free text: lowercase letters, digits and dashes, at most 48 characters.
std::string id_from(const std::string& text);

}  // namespace agentrace::interop
