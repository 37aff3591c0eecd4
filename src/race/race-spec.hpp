#pragma once
// A race: a suite x contenders x repeats, as read from a race file (TOML) and flags.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "record/race.hpp"
#include "scaffold/scaffold.hpp"
#include "store/records.hpp"
#include "suite/task.hpp"

namespace agentrace::race {

using JudgeSpec = record::Judge;

struct RaceSpec {
  std::string name = "race";
  std::filesystem::path suite_dir;
  std::vector<std::string> task_filter;  // empty = every task
  int tasks_line = 0, tasks_column = 0;  // where the race file lists them (0: from --task)
  std::vector<std::string> attempt_filter;  // empty = every attempt; else a worker's shard
  std::vector<scaffold::ContenderConfig> contenders;
  int repeats = 1;
  int jobs = 1;
  std::string sandbox = "bwrap";
  std::optional<int> agent_seconds;      // race-wide limit, overrides tasks
  int stall_seconds = 120;               // no endpoint byte this long: the call is cut, a stalled endpoint
  std::optional<JudgeSpec> judge;
  std::filesystem::path source;          // the race file, if any
  record::Race record() const;  // the race as the store keeps it
};

// Reads a race file; relative paths are taken from the file's folder. Throws
// core::UsageError with file:line:col for every problem.
RaceSpec load_race_file(const std::filesystem::path& file);
// The same for the text of `file`, already read, before finalize_contenders (which asks
// each scaffold whether it can start).
RaceSpec parse_race_file(std::string_view text, const std::filesystem::path& file);
// Validates and fills contender hashes; `where` names the source in messages.
void finalize_contenders(RaceSpec& spec);

// The stable race id: the same race name gives the same id, so a rerun resumes.
std::string race_id(const std::string& name);
// The stable, globally unique attempt id.
std::string attempt_id(const std::string& race_id, const std::string& task_hash,
                       const scaffold::ContenderConfig& contender, int repeat);

// tasks x contenders x repeats, in a deterministic order (repeat-major, so that early
// results already cover every task and contender).
std::vector<store::AttemptRecord> plan(const RaceSpec& spec, const std::string& race_id,
                                       const suite::Suite& suite);

}  // namespace agentrace::race
