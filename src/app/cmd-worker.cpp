// `agentrace worker`: runs shard K of N of a plan on this node, with this node's own
// proxy, simulated endpoints and work folder, into its own store (merged afterwards).
#include <fmt/format.h>

#include "app/commands.hpp"
#include "app/common.hpp"
#include "cluster/plan.hpp"
#include "core/error.hpp"
#include "race/race.hpp"

namespace agentrace::app {
namespace {

struct WorkerArgs {
  std::string plan, shard, db, work;
};

void run_worker(const WorkerArgs& a) {
  const auto plan = cluster::read_plan(a.plan);
  const auto [k, n] = cluster::parse_shard(a.shard);
  auto spec = cluster::build_spec(plan.args, plan.race_text);
  if (race::race_id(spec.name) != plan.race_id)
    throw core::UsageError(fmt::format("plan {} names race {}, but its race file now makes race {}", a.plan,
                                       plan.race_id, race::race_id(spec.name)));
  spec.attempt_filter = cluster::shard_of(plan.attempts, k, n);
  if (spec.attempt_filter.empty()) {
    fmt::print(stderr, "shard {}/{} of plan {} has no attempts\n", k, n, a.plan);
    return;
  }
  const std::filesystem::path work = a.work.empty() ? default_work_dir(a.db) : std::filesystem::path(a.work);
  store::Store db(a.db);
  install_signal_handlers();
  const auto run = race::execute(spec, db, {work, false, {}});
  print_race_summary(spec.name, run, db);
  if (run.summary.cancelled) {
    fmt::print(stderr, "interrupted: the interrupted attempt is planned again in {}\n", db.file().string());
    exit_code() = 130;
    return;
  }
  report_infra_errors(run.summary);
}

}  // namespace

void register_worker(CLI::App& app) {
  auto args = std::make_shared<WorkerArgs>();
  auto* cmd = app.add_subcommand("worker", "Run one shard of a plan (run --plan-only, --on slurm) into its own store");
  cmd->add_option("--plan", args->plan, "The plan (JSON)")->required();
  cmd->add_option("--shard", args->shard, "K/N: every N-th attempt of the plan from the K-th (0 <= K < N)")->required();
  cmd->add_option("--db", args->db, "This shard's store (SQLite), written by this worker alone")->required();
  cmd->add_option("--work", args->work, "Node-local work folder (default: next to --db)");
  cmd->callback([args] { run_worker(*args); });
}

}  // namespace agentrace::app
