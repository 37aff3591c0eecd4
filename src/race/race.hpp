#pragma once
// A whole race, as cmd-run and cmd-validate start it: load the suite, check the
// sandbox and the contenders before anything runs, record the race in the store,
// run the attempts (resuming a previous run of the same race), return the summary.
#include <filesystem>

#include "env/env.hpp"
#include "race/race-spec.hpp"
#include "race/scheduler.hpp"
#include "store/store.hpp"
#include "suite/task.hpp"

namespace agentrace::race {

struct RaceOptions {
  std::filesystem::path work_dir;  // repo cache and attempt folders
  bool keep_workspaces = false;
  std::filesystem::path cassette_dir;  // set: every attempt's calls as DIR/<attempt id>.jsonl
};

struct RaceRun {
  std::string race_id;
  suite::Suite suite;
  RunSummary summary;
};

// Throws core::UsageError before any attempt runs when the race cannot run as given
// (bad suite, missing toolchain, sandbox unavailable without --sandbox none).
RaceRun execute(const RaceSpec& spec, store::Store& db, const RaceOptions& opts);
// The same checks, and the race, contenders and tasks recorded, without running any
// attempt (run --on slurm plans here and runs on the cluster).
RaceRun open_race(const RaceSpec& spec, store::Store& db);

// The suite's tasks that the filter keeps (all when it is empty).
std::vector<const suite::Task*> selected_tasks(const suite::Suite& suite, const std::vector<std::string>& filter);

// Checks the tasks' toolchains are on the PATH of the sandbox their tests run in, with
// their environment; throws UsageError naming task and command.
void check_toolchains(const std::vector<const suite::Task*>& tasks, const env::Prepared& environments,
                      sandbox::Mode mode);

}  // namespace agentrace::race
