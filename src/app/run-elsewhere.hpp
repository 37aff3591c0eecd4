#pragma once
// `agentrace run` when the attempts run elsewhere: --plan-only FILE writes the plan for
// `agentrace worker`; --on slurm submits a job array and follows it; --on kubernetes
// --emit DIR writes the manifests. Each plans only what the store has not finished.
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cluster/plan.hpp"
#include "store/store.hpp"

namespace agentrace::app {

struct ElsewhereArgs {
  std::string on = "local";  // local | slurm | kubernetes
  std::string plan_only;
  std::string shared;        // slurm: the folder every node sees
  std::string emit;          // kubernetes: where the manifests go
  std::string image;
  std::string partition, time;
  int nodes = 4;
  std::vector<std::string> sbatch_args;
  bool active() const { return !plan_only.empty() || on != "local"; }
};

void add_elsewhere_options(CLI::App& cmd, ElsewhereArgs& a);
void run_elsewhere(const cluster::RaceArgs& args, const race::RaceSpec& spec, store::Store& db,
                   const ElsewhereArgs& where, bool quiet);

}  // namespace agentrace::app
