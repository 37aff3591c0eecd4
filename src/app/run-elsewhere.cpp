#include "app/run-elsewhere.hpp"

#include <fmt/format.h>

#include "app/commands.hpp"
#include "app/common.hpp"
#include "cluster/kubernetes.hpp"
#include "cluster/slurm.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "race/race.hpp"
#include "report/report.hpp"

namespace agentrace::app {
namespace fs = std::filesystem;
namespace {

// The race recorded in the store, every attempt planned there, and the plan of those
// the store has not finished.
cluster::Plan plan_race(const cluster::RaceArgs& args, const race::RaceSpec& spec, store::Store& db) {
  const auto run = race::open_race(spec, db);
  const auto planned = race::plan(spec, run.race_id, run.suite);
  db.plan(planned);
  cluster::Plan plan{args, std::nullopt, run.race_id, {}};
  if (!args.race_file.empty()) plan.race_text = core::read_file(args.race_file);
  for (const auto& a : planned) plan.attempts.push_back(a.id);
  return plan;
}

void on_slurm(const cluster::Plan& plan, const race::RaceSpec& spec, store::Store& db, const ElsewhereArgs& w, bool quiet) {
  cluster::SlurmOptions o;
  o.shared_dir = w.shared.empty() ? fs::absolute(db.file()).parent_path() / (db.file().stem().string() + "-shards")
                                  : fs::absolute(w.shared);
  o.binary = fs::canonical("/proc/self/exe");
  o.shards = w.nodes;
  o.partition = w.partition;
  o.time = w.time;
  o.sbatch_args = w.sbatch_args;
  install_signal_handlers();
  const auto r = cluster::run_on_slurm(plan, db, o);
  fmt::print(stderr, "race {} ({}) on slurm: {} attempts planned, {} submitted{} in {:.1f} s, {} unfinished; store {}\n",
             spec.name, plan.race_id, plan.attempts.size(), r.submitted,
             r.job.empty() ? "" : fmt::format(" as job {} ({} shards)", r.job, r.shards), r.seconds, r.unfinished,
             db.file().string());
  if (r.cancelled) {
    fmt::print(stderr, "interrupted: run the same command again to resubmit what is unfinished\n");
    exit_code() = 130;
    return;
  }
  if (r.unfinished > 0) {
    fmt::print(stderr, "{} attempt(s) unfinished (a shard was cancelled or failed, or had infrastructure errors: see "
               "the shard logs in {}): run the same command again to resubmit only those\n", r.unfinished,
               o.shared_dir.string());
    exit_code() = 3;
  }
  if (!quiet) fmt::print("{}", report::render(db, *db.race(plan.race_id), {}));
}

}  // namespace

void add_elsewhere_options(CLI::App& cmd, ElsewhereArgs& a) {
  cmd.add_option("--plan-only", a.plan_only, "Write the plan of the unfinished attempts for `agentrace worker` and stop");
  cmd.add_option("--on", a.on, "Where attempts run: local (default), slurm (a job array), kubernetes (with --emit)")
      ->check(CLI::IsMember({"local", "slurm", "kubernetes"}));
  cmd.add_option("--shared", a.shared, "slurm: folder every node sees, for the plan, batch script and shard stores "
                 "(default: <db>-shards next to --db)");
  cmd.add_option("--nodes", a.nodes, "slurm, kubernetes: shards (array tasks / indexes), one node each")
      ->check(CLI::Range(1, 10000));
  cmd.add_option("--partition", a.partition, "slurm: partition");
  cmd.add_option("--time", a.time, "slurm: time limit of one shard (sbatch --time)");
  cmd.add_option("--sbatch-arg", a.sbatch_args, "slurm: one more #SBATCH line, e.g. --sbatch-arg=--gres=gpu:1");
  cmd.add_option("--emit", a.emit, "kubernetes: folder for the plan and the Indexed Job manifests");
  cmd.add_option("--image", a.image, "kubernetes: image with agentrace, the agents and the suite");
}

void run_elsewhere(const cluster::RaceArgs& args, const race::RaceSpec& spec, store::Store& db,
                   const ElsewhereArgs& w, bool quiet) {
  if (w.on == "kubernetes" && (w.emit.empty() || w.image.empty()))
    throw core::UsageError("--on kubernetes needs --emit DIR and --image IMAGE");
  auto plan = plan_race(args, spec, db);
  if (w.on == "slurm") return on_slurm(plan, spec, db, w, quiet);
  plan.attempts = cluster::unfinished_attempts(plan, db);
  if (w.on == "kubernetes") {
    cluster::emit_kubernetes(plan, {w.image, "agentrace", w.nodes}, w.emit);
    fmt::print(stderr, "race {} ({}): {} unfinished attempts; Indexed Job of {} for them in {} (see its README.md)\n",
               spec.name, plan.race_id, plan.attempts.size(), w.nodes, w.emit);
    return;
  }
  cluster::write_plan(plan, w.plan_only);
  fmt::print(stderr, "race {} ({}): plan of {} unfinished attempts in {}; run shard K of N with `agentrace worker "
             "--plan {} --shard K/N --db shard-K.db`, then `agentrace merge --db {} shard-*.db`\n", spec.name,
             plan.race_id, plan.attempts.size(), w.plan_only, w.plan_only, db.file().string());
}

}  // namespace agentrace::app
