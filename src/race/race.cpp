#include "race/race.hpp"

#include "race/gateway.hpp"


#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/host.hpp"
#include "grade/runner.hpp"
#include "proc/spawn.hpp"
#include "race/prepare.hpp"
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

// The race's preparation figures, kept with its host context.
void record_preparation(store::Store& db, const std::string& race_id, const Preparation& prepared) {
  auto race = db.race(race_id);
  if (!race) return;
  race->host.preparation = prepared.record();
  db.put_race(*race);
}

}  // namespace

std::vector<const suite::Task*> selected_tasks(const suite::Suite& suite, const std::vector<std::string>& filter) {
  std::vector<const suite::Task*> out;
  for (const auto& t : suite.tasks) {
    if (filter.empty() || std::find(filter.begin(), filter.end(), t.id) != filter.end()) out.push_back(&t);
  }
  return out;
}

void check_toolchains(const std::vector<const suite::Task*>& tasks, const env::Prepared& environments,
                      sandbox::Mode mode) {
  std::string missing;
  for (const auto* t : tasks) {
    if (t->environment && environments.views.count(t->id) == 0) continue;  // checked once it is built
    for (const auto& cmd : env::missing_tools(t->toolchain, environments.of(t->id), mode))
      missing += fmt::format("\n  task {} needs '{}' ({})", t->id, cmd, t->spec_file.string());
  }
  if (!missing.empty())
    throw core::UsageError("toolchain missing in the sandbox the tests run in (install it, or give the task an "
                           "[environment] with mounts/path that provide it):" + missing);
}

RaceRun open_race(const RaceSpec& spec, store::Store& db) {
  RaceRun run;
  run.suite = suite::load_suite(spec.suite_dir);
  const auto tasks = selected_tasks(run.suite, spec.task_filter);
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
  check_toolchains(tasks, {}, mode);  // tasks with an environment: once it is built, where attempts run
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
  for (const auto* t : tasks) db.put_task(task_row(*t), run.race_id);
  return run;
}

RaceRun execute(const RaceSpec& spec, store::Store& db, const RaceOptions& options) {
  auto opts = options;
  opts.work_dir = std::filesystem::absolute(opts.work_dir);  // git and the sandboxes run in other folders
  auto run = open_race(spec, db);
  const auto mode = sandbox::parse_mode(spec.sandbox);
  const auto tasks = selected_tasks(run.suite, spec.task_filter);
  workspace::RepoCache repos(opts.work_dir / "repos");
  env::Cache envs(opts.work_dir / "envs", mode);
  const auto prepared = prepare(tasks, repos, envs);
  std::vector<const suite::Task*> with_environment;
  for (const auto* t : tasks) {
    if (t->environment) with_environment.push_back(t);
  }
  check_toolchains(with_environment, prepared.environments, mode);
  check_agents_in_images(spec.contenders, tasks, prepared.environments, mode);
  record_preparation(db, run.race_id, prepared);
  ModelGateway gateway(spec, opts.work_dir / "run", db, mode, opts.cassette_dir);
  AttemptEnv env{repos, gateway.active() ? &gateway : nullptr, opts.work_dir, mode, spec.agent_seconds,
                 opts.keep_workspaces, spec.judge ? &*spec.judge : nullptr, &prepared.environments};
  run.summary = run_race(spec, run.suite, run.race_id, db, env);
  return run;
}

}  // namespace agentrace::race
