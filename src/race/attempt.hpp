#pragma once
// One attempt, start to finish: planned -> running -> done | timed_out | infra_error.
//   workspace (fresh checkout of the base) -> scaffold prepares HOME and the command
//   -> the agent runs in the sandbox under the time limit -> diff captured
//   -> graded in a separate sandbox -> one record for the store.
#include <filesystem>
#include <optional>

#include "env/env.hpp"
#include "sandbox/sandbox.hpp"
#include "scaffold/scaffold.hpp"
#include "store/records.hpp"
#include "suite/task.hpp"
#include "race/race-spec.hpp"
#include "workspace/workspace.hpp"

namespace agentrace::race {

class ModelGateway;

struct AttemptEnv {
  workspace::RepoCache& repos;
  ModelGateway* gateway = nullptr;  // model traffic: proxy routes (null when no endpoint)
  std::filesystem::path work_dir;  // attempts/<id>/ go here
  sandbox::Mode mode = sandbox::Mode::bwrap;
  std::optional<int> race_agent_seconds;
  bool keep_workspaces = false;
  const JudgeSpec* judge = nullptr;  // the race's LLM judge, if any
  const env::Prepared* environments = nullptr;  // built before the attempts; the same for agent and grader
};

struct AttemptOutcome {
  store::AttemptRecord record;
  std::vector<store::TestOutcome> tests;
  bool cancelled = false;  // interrupted: not to be stored as finished
};

// Never throws for the attempt's own failures: they become failure classes.
AttemptOutcome run_attempt(const AttemptEnv& env, const suite::Task& task,
                           const scaffold::ContenderConfig& contender, store::AttemptRecord record);

}  // namespace agentrace::race
