#pragma once
// The rows a race produces. One struct per result type; the store, the printers and
// the report all work from these (one record, many printers).
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/host.hpp"
#include "record/agent-report.hpp"
#include "record/contender.hpp"
#include "record/grading.hpp"
#include "record/race.hpp"
#include "record/speed.hpp"
#include "record/task.hpp"
#include "record/time-split.hpp"

namespace agentrace::store {

enum class AttemptState { planned, running, done, timed_out, infra_error };
std::string to_string(AttemptState s);
AttemptState parse_state(const std::string& s);

// wrk-style failure classes: counted, never fatal. Infrastructure classes (sandbox,
// workspace, endpoint connect...) are never scored as the model's failure.
enum class FailureClass { none, agent_error, timeout, sandbox, workspace, grading, connect, status, stream, auth, spawn };
std::string to_string(FailureClass f);
FailureClass parse_failure(const std::string& s);
bool is_infra(FailureClass f);

enum class Grade { miss = 0, basic = 1, solid = 2, complete = 3 };
std::string grade_name(int grade);  // "Miss", "Basic", "Solid", "Complete"

struct RaceRow {
  std::string id;
  std::string name;
  std::string suite_dir;
  std::string suite_name;
  std::string created_at;
  std::string sandbox;          // bwrap | none
  record::Race spec;            // the race as planned (contenders, repeats, limits)
  core::HostInfo host;          // host, versions: the context figures depend on
};

struct ContenderRow {
  std::string race_id;
  std::string name;      // the store's key (config.name)
  std::string scaffold;  // a column reports filter on (config.scaffold)
  record::ContenderConfig config;
};

struct TaskRow {
  std::string hash;
  std::string id;
  std::string title;
  std::string language;
  record::TaskCard card;  // what the report shows: statement, grade meanings, tests, repo, fix
};

struct AttemptRecord {
  std::string id;             // stable: hash(race, task hash, contender, repeat)
  std::string race_id;
  std::string task_id;
  std::string task_hash;
  std::string contender;
  int repeat = 0;
  AttemptState state = AttemptState::planned;
  FailureClass failure = FailureClass::none;
  std::string failure_detail;
  std::string started_at;     // wall clock, RFC 3339
  std::string ended_at;
  int runs = 0;               // times this attempt was started (resume re-runs)
  double wall_s = 0;          // agent start -> agent end (the figure raced)
  double setup_s = 0;         // workspace + sandbox preparation
  double grade_s = 0;         // grading time (not part of the race figure)
  int exit_code = -1;
  int term_signal = 0;
  bool timed_out = false;
  double user_s = 0, sys_s = 0;
  long max_rss_kb = 0;
  std::int64_t stdout_bytes = 0, stderr_bytes = 0;
  bool output_truncated = false;
  std::string diff;
  std::vector<std::string> changed_files;
  std::optional<int> grade;   // final grade 0-3; empty when not graded (infra error)
  std::string grade_source;   // auto | judge | human
  std::string grade_detail;   // why: which tier failed
  record::AgentReport agent;  // what the agent reported (turns, tokens, its own timing)
  std::string host;
  std::string job;              // the batch job it ran in (Slurm array task, Kubernetes index)
  std::optional<record::TimeSplit> time_split;  // model / tools / scaffold / network (sum = wall); none before the agent ran
  int calls = 0;                // model calls the proxy recorded
  std::optional<int> auto_grade;  // the test tiers' grade before hygiene
  std::vector<record::HygieneFlag> hygiene;
  std::optional<int> judge_grade; // the LLM judge's grade, when a judge ran
  std::optional<record::JudgeVerdict> judge;  // when a judge ran
};

// A lease on an attempt: owner "host:pid:random" (store/lease.hpp), times in wall-clock
// epoch ms so that workers on several machines agree.
// The attempts a process may claim, in the order it wants them; built once per run (the
// store reads it as a JSON array on every claim).
struct ClaimOrder {
  ClaimOrder(const std::vector<std::string>& ids);  // NOLINT: a list of ids is an order
  ClaimOrder(std::initializer_list<std::string> ids) : ClaimOrder(std::vector<std::string>(ids)) {}
  std::string ids_json;
};

struct Claim {
  std::string owner;
  std::string host;
  std::int64_t now_ms = 0;
  std::int64_t lease_until_ms = 0;
  std::string job;  // the batch job (Slurm array task, Kubernetes index), "" when none
};

struct TestOutcome {
  std::string attempt_id;
  std::string tier;   // setup | fail_to_pass | strict | pass_to_pass
  std::string name;
  bool passed = false;
  int exit_code = -1;
  bool timed_out = false;
  double duration_s = 0;
  std::string output_tail;
};

struct ReviewRow {
  std::string attempt_id;
  std::string reviewer;
  int grade = 0;
  std::string note;
  std::string created_at;
};

// One model call as the store keeps it: the proxy's whole record as JSON, plus the
// columns reports filter on.
struct CallRow {
  std::string attempt_id;
  std::int64_t sequence = 0;
  std::string protocol;
  std::string model;
  int status = 0;
  std::string error;  // proxy error class, "none" when fine
  std::int64_t start_wall_ms = 0;
  std::int64_t start_mono_ns = 0;
  double first_content_ms = -1;
  double end_ms = -1;
  std::optional<std::int64_t> input_tokens, output_tokens;
  std::string record_json;
};

// An endpoint speed run (`agentrace speed`): what was measured and how. Besides the typed
// parts, it keeps the speed printers' own JSON whole (docs/speed.md): the run's (client
// self-check, server metrics, abort reason), each case's every aggregate, each request's
// raw sample. No module reads those by key; they are there for whoever queries the store
// and for recomputing (docs/architecture.md, "Records between modules").
struct SpeedRunRow {
  std::string id;  // "speed-" + random hex
  std::string started_at;
  std::string endpoint;
  std::string protocol;
  std::string model;
  bool simulated = false;
  std::string server;       // the endpoint's `server` header
  std::string agentrace;    // version
  core::HostInfo host;
  record::SpeedOptions options;  // the sweeps and flags
  nlohmann::json run;            // `agentrace speed --format json` without its cases
};

struct SpeedCaseRow {
  std::string run_id;
  int case_index = 0;
  record::SpeedCase figures;  // the sweep point (also columns) and what a report shows
  nlohmann::json aggregates;  // the case's row as the speed printers write it; `figures` reads from it
};

struct SpeedSampleRow {
  std::string run_id;
  int case_index = 0;
  std::int64_t sequence = 0;
  nlohmann::ordered_json sample;  // the request's raw form (speed/sample.hpp)
};

}  // namespace agentrace::store
