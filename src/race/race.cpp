#include "race/race.hpp"

#include "race/gateway.hpp"


#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/host.hpp"
#include "grade/runner.hpp"
#include "proc/spawn.hpp"
#include "sandbox/sandbox.hpp"
#include "workspace/workspace.hpp"

namespace agentrace::race {
namespace {

store::TaskRow task_row(const suite::Task& t) {
  record::TaskCard c{t.id, t.title, t.language, t.tags, t.statement,
                     {t.grades.miss, t.grades.basic, t.grades.solid, t.grades.complete}, "", {}, t.agent_seconds,
                     std::nullopt, core::read_file(t.fix_patch)};
  c.repo = t.repo.kind == suite::RepoKind::url ? t.repo.url + "@" + t.repo.commit : t.repo.path.filename().string();
  for (const auto& tc : t.tests) {
    if (tc.runner == suite::Runner::none) {
      c.tests.push_back({suite::to_string(tc.tier), tc.name, tc.cmd, "", {}});
      continue;
    }  // the command as grading runs it, and the ids it reports
    const auto cmd = grade::plan_run(tc, tc.ids, "$HOME/agentrace-report").cmd;
    c.tests.push_back({suite::to_string(tc.tier), tc.name, cmd, suite::to_string(tc.runner), tc.ids});
  }
  if (t.origin) c.origin = record::TaskOrigin{t.origin->kind, t.origin->id, t.origin->fields};
  return {t.hash, t.id, t.title, t.language, std::move(c)};
}

}  // namespace

void check_toolchains(const suite::Suite& suite, const std::vector<std::string>& task_filter) {
  std::string missing;
  for (const auto& t : suite.tasks) {
    if (!task_filter.empty() && std::find(task_filter.begin(), task_filter.end(), t.id) == task_filter.end()) continue;
    for (const auto& cmd : t.toolchain) {
      const char* path = std::getenv("PATH");
      if (!proc::find_program(cmd, path ? path : "/usr/bin:/bin")) missing += fmt::format("\n  task {} needs '{}' ({})", t.id, cmd, t.spec_file.string());
    }
  }
  if (!missing.empty())
    throw core::UsageError("toolchain missing on this machine (run scripts/setup or install it):" + missing);
}

RaceRun open_race(const RaceSpec& spec, store::Store& db) {
  RaceRun run;
  run.suite = suite::load_suite(spec.suite_dir);
  check_toolchains(run.suite, spec.task_filter);
  const auto mode = sandbox::parse_mode(spec.sandbox);
  auto host = core::host_info();
  if (mode == sandbox::Mode::none) {
    fmt::print(stderr, "warning: --sandbox none: agents run as this user, unisolated: they can read and write "
                       "every file it can (the suite's hidden tests and fixes too), reach the network and see "
                       "other processes; only what they leave running is ended after each attempt\n");
  }
  if (mode == sandbox::Mode::bwrap) {
    const auto& probe = sandbox::probe();
    if (!probe.works) throw core::UsageError("the sandbox does not work here: " + probe.detail);
    host.bwrap = probe.bwrap_version;
  }
  bool simulated = false;
  for (const auto& c : spec.contenders) simulated = simulated || (c.endpoint && c.endpoint->simulated());
  if (spec.judge && spec.judge->endpoint.simulated()) host.simulated_judge = true;
  host.simulated = simulated;
  run.race_id = race_id(spec.name);
  store::RaceRow race;
  race.id = run.race_id;
  race.name = spec.name;
  race.suite_dir = run.suite.dir.string();
  race.suite_name = run.suite.name;
  race.created_at = core::wall_now_rfc3339();
  if (auto existing = db.race(run.race_id)) race.created_at = existing->created_at;
  race.sandbox = sandbox::to_string(mode);
  race.spec = spec.record();
  race.host = host;
  db.put_race(race);
  for (const auto& c : spec.contenders) db.put_contender({run.race_id, c.name, c.scaffold, c});
  for (const auto& t : run.suite.tasks) {
    if (spec.task_filter.empty() ||
        std::find(spec.task_filter.begin(), spec.task_filter.end(), t.id) != spec.task_filter.end())
      db.put_task(task_row(t), run.race_id);
  }
  return run;
}

RaceRun execute(const RaceSpec& spec, store::Store& db, const RaceOptions& opts) {
  auto run = open_race(spec, db);
  const auto mode = sandbox::parse_mode(spec.sandbox);
  workspace::RepoCache repos(opts.work_dir / "repos");
  ModelGateway gateway(spec, opts.work_dir / "run", db, mode, opts.cassette_dir);
  AttemptEnv env{repos, gateway.active() ? &gateway : nullptr, opts.work_dir, mode, spec.agent_seconds,
                 opts.keep_workspaces, spec.judge ? &*spec.judge : nullptr};
  run.summary = run_race(spec, run.suite, run.race_id, db, env);
  return run;
}

}  // namespace agentrace::race
