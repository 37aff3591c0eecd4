// `agentrace run`: race a suite. Reads the race file and flags, runs every planned
// attempt (resuming an earlier run of the same race), prints the report on stdout.
#include <cstdio>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "app/commands.hpp"
#include "app/common.hpp"
#include "app/run-elsewhere.hpp"
#include "core/error.hpp"
#include "cluster/plan.hpp"
#include "race/race.hpp"
#include "report/report.hpp"

namespace agentrace::app {
namespace {

struct RunArgs {
  cluster::RaceArgs race;
  std::string db = "agentrace.db";
  std::string work;
  std::string cassettes;
  bool keep = false;
  bool quiet = false;
  ElsewhereArgs elsewhere;
};

}  // namespace

void register_run(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  auto* cmd = app.add_subcommand("run", "Race contenders on a suite; resumes when run again");
  cmd->add_option("race_file", args->race.race_file, "Race file (TOML): suite, contenders, repeats, jobs, limits")
      ->check(CLI::ExistingFile);
  cmd->add_option("--suite", args->race.suite, "Suite folder (overrides the race file)");
  cmd->add_option("--contender", args->race.contenders, "Built-in contender by scaffold name: oracle, nop")->delimiter(',');
  cmd->add_option("--task", args->race.tasks, "Only these task ids")->delimiter(',');
  cmd->add_option("--name", args->race.name, "Race name; the same name resumes the same race");
  cmd->add_option("--db", args->db, "Results store (SQLite)")->capture_default_str();
  cmd->add_option("--work", args->work, "Work folder for repositories and attempts (default: next to --db)");
  cmd->add_option("--sandbox", args->race.sandbox, "bwrap (default) or none");
  cmd->add_option("--repeats", args->race.repeats, "Attempts per task and contender")->check(CLI::Range(1, 1000));
  cmd->add_option("-j,--jobs", args->race.jobs, "Attempts run at once")->check(CLI::Range(1, 256));
  cmd->add_option("--agent-seconds", args->race.agent_seconds, "Time limit of one attempt")->check(CLI::Range(1, 86400));
  cmd->add_option("--stall-seconds", args->race.stall_seconds,
                  "A model call with no endpoint byte this long is cut: a stalled endpoint (default 120)")
      ->check(CLI::Range(1, 86400));
  cmd->add_option("--cassettes", args->cassettes,
                  "Also save each attempt's model calls as a cassette, DIR/<attempt id>.jsonl (agentrace sim --replay)");
  cmd->add_flag("--keep-workspaces", args->keep, "Keep each attempt's workspace and HOME");
  cmd->add_flag("-q,--quiet", args->quiet, "Print no report at the end");
  add_elsewhere_options(*cmd, args->elsewhere);
  cmd->callback([args] {
    auto spec = cluster::build_spec(args->race);
    store::Store db(args->db);
    if (args->elsewhere.active()) {
      if (args->keep || !args->cassettes.empty() || !args->work.empty())
        throw core::UsageError("--keep-workspaces, --cassettes and --work are for a local run; with --on or "
                               "--plan-only the workers' folders are node-local (docs/scale-out.md)");
      return run_elsewhere(args->race, spec, db, args->elsewhere, args->quiet);
    }
    race::RaceOptions opts{args->work.empty() ? default_work_dir(args->db) : std::filesystem::path(args->work),
                           args->keep, args->cassettes};
    install_signal_handlers();
    const auto run = race::execute(spec, db, opts);
    const auto& s = run.summary;
    print_race_summary(spec.name, run, db);
    if (s.cancelled) {
      fmt::print(stderr, "interrupted: run the same command again to resume\n");
      exit_code() = 130;
      return;
    }
    if (!args->quiet) fmt::print("{}", report::render(db, *db.race(run.race_id), {}));
    report_infra_errors(s);
  });
}

}  // namespace agentrace::app
