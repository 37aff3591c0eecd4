#pragma once
// The race's preparation, before any attempt: each task's repository cache and environment,
// built (or found) once and timed apart, so no attempt's set-up carries them.
#include <vector>

#include "core/host.hpp"
#include "env/env.hpp"
#include "scaffold/scaffold.hpp"
#include "suite/task.hpp"
#include "workspace/workspace.hpp"

namespace agentrace::race {

struct Preparation {
  env::Prepared environments;
  double repos_s = 0;  // repository caches: built or found
  int repos = 0;
  core::Preparation record() const;  // stored with the race's host context
};

// Prints one stderr line per environment and one for the whole.
Preparation prepare(const std::vector<const suite::Task*>& tasks, workspace::RepoCache& repos, env::Cache& envs);

// Each agent CLI among the contenders must start (`--version`) in each task's image root, where
// the host's /usr is not: throws UsageError naming the CLI, the task and what it printed
// (e.g. `env: 'node': No such file or directory` for a CLI that is a node script).
void check_agents_in_images(const std::vector<scaffold::ContenderConfig>& contenders,
                            const std::vector<const suite::Task*>& tasks, const env::Prepared& environments,
                            sandbox::Mode mode);

}  // namespace agentrace::race
