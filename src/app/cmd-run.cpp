// `agentrace run`: race a suite. Reads the race file and flags, runs every planned
// attempt (resuming an earlier run of the same race), prints the report on stdout.
#include <cstdio>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "app/commands.hpp"
#include "app/common.hpp"
#include "core/error.hpp"
#include "race/race.hpp"
#include "report/report.hpp"

namespace agentrace::app {
namespace {

struct RunArgs {
  std::string race_file;
  std::string suite;
  std::vector<std::string> contenders;
  std::vector<std::string> tasks;
  std::string name;
  std::string db = "agentrace.db";
  std::string work;
  std::string sandbox;
  std::string cassettes;
  int repeats = 0;
  int jobs = 0;
  int agent_seconds = 0;
  int stall_seconds = 0;
  bool keep = false;
  bool quiet = false;
};

race::RaceSpec build_spec(const RunArgs& a) {
  race::RaceSpec spec;
  if (!a.race_file.empty()) {
    spec = race::load_race_file(a.race_file);
  } else {
    if (a.suite.empty()) throw core::UsageError("give a race file or --suite DIR (with --contender oracle,nop,...)");
    spec.name = "race";
  }
  if (!a.suite.empty()) spec.suite_dir = a.suite;
  if (!a.contenders.empty()) {
    spec.contenders.clear();
    for (const auto& c : a.contenders) {
      scaffold::ContenderConfig cc;
      cc.name = c;
      cc.scaffold = c;
      spec.contenders.push_back(cc);
    }
  }
  if (!a.tasks.empty()) {
    spec.task_filter = a.tasks;
    spec.tasks_line = spec.tasks_column = 0;  // errors name --task, not the race file
  }
  if (!a.name.empty()) spec.name = a.name;
  if (!a.sandbox.empty()) spec.sandbox = a.sandbox;
  if (a.repeats > 0) spec.repeats = a.repeats;
  if (a.jobs > 0) spec.jobs = a.jobs;
  if (a.agent_seconds > 0) spec.agent_seconds = a.agent_seconds;
  if (a.stall_seconds > 0) spec.stall_seconds = a.stall_seconds;
  race::finalize_contenders(spec);
  return spec;
}

// Attempts that ended in infrastructure errors are not results: say so, and fail the run.
void report_infra_errors(const race::RunSummary& s) {
  if (s.infra_errors == 0) return;
  std::vector<std::string> classes;
  for (const auto& [name, n] : s.infra_classes) classes.push_back(fmt::format("{} {}", name, n));
  fmt::print(stderr, "{} attempt(s) ended in infrastructure errors ({}): not graded; run the same command again "
             "to retry them\n", s.infra_errors, fmt::join(classes, ", "));
  exit_code() = 3;
}

}  // namespace

void register_run(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  auto* cmd = app.add_subcommand("run", "Race contenders on a suite; resumes when run again");
  cmd->add_option("race_file", args->race_file, "Race file (TOML): suite, contenders, repeats, jobs, limits")
      ->check(CLI::ExistingFile);
  cmd->add_option("--suite", args->suite, "Suite folder (overrides the race file)");
  cmd->add_option("--contender", args->contenders, "Built-in contender by scaffold name: oracle, nop")->delimiter(',');
  cmd->add_option("--task", args->tasks, "Only these task ids")->delimiter(',');
  cmd->add_option("--name", args->name, "Race name; the same name resumes the same race");
  cmd->add_option("--db", args->db, "Results store (SQLite)")->capture_default_str();
  cmd->add_option("--work", args->work, "Work folder for repositories and attempts (default: next to --db)");
  cmd->add_option("--sandbox", args->sandbox, "bwrap (default) or none");
  cmd->add_option("--repeats", args->repeats, "Attempts per task and contender")->check(CLI::Range(1, 1000));
  cmd->add_option("-j,--jobs", args->jobs, "Attempts run at once")->check(CLI::Range(1, 256));
  cmd->add_option("--agent-seconds", args->agent_seconds, "Time limit of one attempt")->check(CLI::Range(1, 86400));
  cmd->add_option("--stall-seconds", args->stall_seconds,
                  "A model call with no endpoint byte this long is cut: a stalled endpoint (default 120)")
      ->check(CLI::Range(1, 86400));
  cmd->add_option("--cassettes", args->cassettes,
                  "Also save each attempt's model calls as a cassette, DIR/<attempt id>.jsonl (agentrace sim --replay)");
  cmd->add_flag("--keep-workspaces", args->keep, "Keep each attempt's workspace and HOME");
  cmd->add_flag("-q,--quiet", args->quiet, "Print no report at the end");
  cmd->callback([args] {
    auto spec = build_spec(*args);
    store::Store db(args->db);
    race::RaceOptions opts{args->work.empty() ? default_work_dir(args->db) : std::filesystem::path(args->work),
                           args->keep, args->cassettes};
    install_signal_handlers();
    const auto run = race::execute(spec, db, opts);
    const auto& s = run.summary;
    fmt::print(stderr, "race {} ({}): {} attempts planned, {} already finished, {} run now in {:.1f} s{}; "
               "{} with a failure class, {} infrastructure errors; store {}\n",
               spec.name, run.race_id, s.planned, s.skipped, s.ran, s.seconds,
               s.elsewhere > 0 ? fmt::format(", {} by other processes", s.elsewhere) : "", s.failures,
               s.infra_errors, db.file().string());
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
