#include "race/validate.hpp"

#include <thread>

#include <fmt/format.h>

#include "core/fs.hpp"
#include "race/race.hpp"

namespace agentrace::race {
namespace {

std::string problems_of(const store::AttemptRecord& a, const std::vector<store::TestOutcome>& tests, int want) {
  if (a.state == store::AttemptState::infra_error)
    return fmt::format("{} could not run ({}): {}", a.contender, store::to_string(a.failure), a.failure_detail);
  if (a.grade && *a.grade == want) return {};
  std::string out = fmt::format("{} graded {} ({}), expected {}", a.contender,
                                a.grade ? store::grade_name(*a.grade) : "-", a.grade_detail, store::grade_name(want));
  for (const auto& t : tests) {
    const bool wrong = want == 3 ? !t.passed : (t.passed && t.tier != "pass_to_pass" && t.tier != "setup");
    if (wrong)
      out += fmt::format("\n      {} '{}' {}", t.tier, t.name,
                         t.passed ? "passes without the fix"
                                  : fmt::format("fails (exit {}{})", t.exit_code, t.timed_out ? ", timed out" : ""));
  }
  return out;
}

RaceSpec validate_spec(const ValidateOptions& opts) {
  RaceSpec spec;
  spec.name = "validate";
  spec.suite_dir = opts.suite_dir;
  spec.sandbox = opts.sandbox;
  spec.task_filter = opts.tasks;
  spec.jobs = opts.jobs > 0 ? opts.jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (const char* s : {"oracle", "nop"}) {
    scaffold::ContenderConfig c;
    c.name = s;
    c.scaffold = s;
    spec.contenders.push_back(c);
  }
  finalize_contenders(spec);
  return spec;
}

std::vector<TaskCheck> checks_of(store::Store& db, const std::string& race_id) {
  std::map<std::string, TaskCheck> by_task;
  std::map<std::string, TaskCheck*> by_attempt;
  for (auto& a : db.attempts(race_id)) {
    auto& check = by_task[a.task_id];
    check.task_id = a.task_id;
    by_attempt[a.id] = &check;
    (a.contender == "oracle" ? check.oracle : check.nop) = std::move(a);
  }
  for (auto& t : db.outcomes(race_id)) {
    auto it = by_attempt.find(t.attempt_id);
    if (it == by_attempt.end()) continue;
    auto& check = *it->second;
    (t.attempt_id == check.oracle.id ? check.oracle_tests : check.nop_tests).push_back(std::move(t));
  }
  std::vector<TaskCheck> out;
  for (auto& [id, check] : by_task) {
    for (const auto& p : {problems_of(check.oracle, check.oracle_tests, 3), problems_of(check.nop, check.nop_tests, 0)})
      if (!p.empty()) check.problems.push_back(p);
    out.push_back(std::move(check));
  }
  return out;
}

}  // namespace

ValidateResult validate_tasks(const ValidateOptions& opts) {
  const auto spec = validate_spec(opts);
  core::TempDir tmp("agentrace-validate");
  store::Store db(opts.db.empty() ? tmp.path() / "validate.db" : opts.db);
  const auto run = execute(spec, db, {opts.work.empty() ? tmp.path() / "work" : opts.work, false});
  ValidateResult result;
  result.cancelled = run.summary.cancelled;
  if (!result.cancelled) result.tasks = checks_of(db, run.race_id);
  return result;
}

}  // namespace agentrace::race
