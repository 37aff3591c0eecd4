// `agentrace validate SUITE`: every task must grade the shipped fix (oracle) Complete
// and an unchanged tree (nop) Miss; otherwise it names the task and the failing tier.
#include <fmt/format.h>

#include "app/commands.hpp"
#include "app/common.hpp"
#include "race/validate.hpp"
#include "render/table.hpp"

namespace agentrace::app {

void register_validate(CLI::App& app) {
  auto opts = std::make_shared<race::ValidateOptions>();
  auto* cmd = app.add_subcommand("validate", "Check a suite: the shipped fix grades Complete, no change grades Miss");
  cmd->add_option("suite", opts->suite_dir, "Suite folder")->required();
  cmd->add_option("--task", opts->tasks, "Only these task ids")->delimiter(',');
  cmd->add_option("--db", opts->db, "Keep the results in this store (default: a temporary one)");
  cmd->add_option("--work", opts->work, "Work folder: repository caches and environments kept for the next run "
                                        "(default: a temporary one)");
  cmd->add_option("--sandbox", opts->sandbox, "bwrap (default) or none")->capture_default_str();
  cmd->add_option("-j,--jobs", opts->jobs, "Attempts run at once (default: cores)");
  cmd->callback([opts] {
    install_signal_handlers();
    const auto result = race::validate_tasks(*opts);
    if (result.cancelled) {
      exit_code() = 130;
      return;
    }
    std::vector<std::vector<std::string>> cells;
    std::string failures;
    auto g = [](const store::AttemptRecord& a) { return a.grade ? store::grade_name(*a.grade) : "-"; };
    for (const auto& t : result.tasks) {
      cells.push_back({t.task_id, g(t.oracle), g(t.nop), t.problems.empty() ? "ok" : "FAIL"});
      for (const auto& p : t.problems) failures += fmt::format("  {}: {}\n", t.task_id, p);
    }
    fmt::print("{}", render::markdown_from_cells({"task", "oracle", "nop", "verdict"}, {false, false, false, false}, cells));
    if (!failures.empty()) {
      fmt::print(stderr, "validate: {} does not hold:\n{}", opts->suite_dir.string(), failures);
      exit_code() = 1;
    } else {
      fmt::print(stderr, "validate: all {} tasks of {} hold (oracle Complete, nop Miss)\n", result.tasks.size(),
                 opts->suite_dir.string());
    }
  });
}

}  // namespace agentrace::app
