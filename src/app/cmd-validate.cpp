// `agentrace validate SUITE`: every task must grade the shipped fix (oracle) Complete
// and an unchanged tree (nop) Miss; otherwise it names the task and the failing tier.
#include <map>
#include <thread>

#include <fmt/format.h>

#include "app/commands.hpp"
#include "app/common.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "race/race.hpp"
#include "render/table.hpp"

namespace agentrace::app {
namespace {

std::string problems_of(const store::AttemptRecord& a, const std::vector<store::TestOutcome>& tests,
                        int want) {
  if (a.state == store::AttemptState::infra_error)
    return fmt::format("{} could not run ({}): {}", a.contender, store::to_string(a.failure), a.failure_detail);
  if (a.grade && *a.grade == want) return {};
  std::string out = fmt::format("{} graded {} ({}), expected {}", a.contender,
                                a.grade ? store::grade_name(*a.grade) : "-", a.grade_detail, store::grade_name(want));
  for (const auto& t : tests) {
    if (t.attempt_id != a.id) continue;
    const bool wrong = want == 3 ? !t.passed : (t.passed && t.tier != "pass_to_pass" && t.tier != "setup");
    if (wrong)
      out += fmt::format("\n      {} '{}' {}", t.tier, t.name, t.passed ? "passes without the fix" : fmt::format(
                                                                            "fails (exit {}{})", t.exit_code, t.timed_out ? ", timed out" : ""));
  }
  return out;
}

}  // namespace

void register_validate(CLI::App& app) {
  struct Args {
    std::string suite;
    std::string db;
    std::string sandbox = "bwrap";
    std::vector<std::string> tasks;
    int jobs = 0;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("validate", "Check a suite: the shipped fix grades Complete, no change grades Miss");
  cmd->add_option("suite", args->suite, "Suite folder")->required();
  cmd->add_option("--task", args->tasks, "Only these task ids")->delimiter(',');
  cmd->add_option("--db", args->db, "Keep the results in this store (default: a temporary one)");
  cmd->add_option("--sandbox", args->sandbox, "bwrap (default) or none")->capture_default_str();
  cmd->add_option("-j,--jobs", args->jobs, "Attempts run at once (default: cores)");
  cmd->callback([args] {
    race::RaceSpec spec;
    spec.name = "validate";
    spec.suite_dir = args->suite;
    spec.sandbox = args->sandbox;
    spec.task_filter = args->tasks;
    spec.jobs = args->jobs > 0 ? args->jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    for (const char* s : {"oracle", "nop"}) {
      scaffold::ContenderConfig c;
      c.name = s;
      c.scaffold = s;
      spec.contenders.push_back(c);
    }
    race::finalize_contenders(spec);
    core::TempDir tmp("agentrace-validate");
    const auto db_path = args->db.empty() ? tmp.path() / "validate.db" : std::filesystem::path(args->db);
    store::Store db(db_path);
    install_signal_handlers();
    const auto run = race::execute(spec, db, {tmp.path() / "work", false});
    if (run.summary.cancelled) {
      exit_code() = 130;
      return;
    }
    const auto attempts = db.attempts(run.race_id);
    const auto tests = db.outcomes(run.race_id);
    std::map<std::string, std::map<std::string, const store::AttemptRecord*>> by_task;
    for (const auto& a : attempts) by_task[a.task_id][a.contender] = &a;
    std::vector<std::vector<std::string>> cells;
    std::string failures;
    for (const auto& [task, m] : by_task) {
      const auto* oracle = m.at("oracle");
      const auto* nop = m.at("nop");
      const auto p1 = problems_of(*oracle, tests, 3);
      const auto p2 = problems_of(*nop, tests, 0);
      const bool ok = p1.empty() && p2.empty();
      auto g = [](const store::AttemptRecord* a) { return a->grade ? store::grade_name(*a->grade) : "-"; };
      cells.push_back({task, g(oracle), g(nop), ok ? "ok" : "FAIL"});
      if (!p1.empty()) failures += fmt::format("  {}: {}\n", task, p1);
      if (!p2.empty()) failures += fmt::format("  {}: {}\n", task, p2);
    }
    fmt::print("{}", render::markdown_from_cells({"task", "oracle", "nop", "verdict"}, {false, false, false, false}, cells));
    if (!failures.empty()) {
      fmt::print(stderr, "validate: {} does not hold:\n{}", args->suite, failures);
      exit_code() = 1;
    } else {
      fmt::print(stderr, "validate: all {} tasks of {} hold (oracle Complete, nop Miss)\n", by_task.size(), args->suite);
    }
  });
}

}  // namespace agentrace::app
