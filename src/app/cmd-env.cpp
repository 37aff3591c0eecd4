// `agentrace env build|list|prune`: task environments, built ahead of a race and managed.
#include <fmt/format.h>

#include "app/commands.hpp"
#include "app/common.hpp"
#include "env/env.hpp"
#include "race/race.hpp"
#include "render/table.hpp"
#include "sandbox/sandbox.hpp"
#include "suite/task.hpp"

namespace agentrace::app {
namespace fs = std::filesystem;
namespace {

struct EnvArgs {
  std::string suite;
  std::vector<std::string> tasks;
  std::string work = default_work_dir("agentrace.db").string();
  std::string sandbox = "bwrap";
};

void build(const EnvArgs& a) {
  const auto suite = suite::load_suite(a.suite);
  const auto tasks = race::selected_tasks(suite, a.tasks);
  const auto mode = sandbox::parse_mode(a.sandbox);
  env::Cache cache(fs::path(a.work) / "envs", mode);
  const auto prepared = env::prepare(cache, tasks);
  std::vector<std::vector<std::string>> cells;
  for (const auto& b : prepared.built)
    cells.push_back({b.key, b.reused ? "cached" : "built", fmt::format("{:.2f}", b.build_s), b.root.string()});
  fmt::print("{}", render::markdown_from_cells({"environment", "state", "build s", "folder (/env in the sandbox)"},
                                               {false, false, true, false}, cells));
  race::check_toolchains(tasks, prepared, mode);
}

void list(const EnvArgs& a) {
  std::vector<std::vector<std::string>> cells;
  for (const auto& e : env::list(fs::path(a.work) / "envs"))
    cells.push_back({e.key, fmt::format("{:.1f}", static_cast<double>(e.bytes) / 1e6), fmt::format("{:.2f}", e.build_s),
                     e.built_at, e.spec_file});
  fmt::print("{}", render::markdown_from_cells({"environment", "MB", "build s", "built at", "declared in"},
                                               {false, true, true, false, false}, cells));
}

void prune(const EnvArgs& a) {
  std::vector<std::string> keep;
  if (!a.suite.empty()) {
    const auto suite = suite::load_suite(a.suite);
    for (const auto* t : race::selected_tasks(suite, a.tasks))
      if (t->environment) keep.push_back(t->environment->key);
  }
  for (const auto& key : env::prune(fs::path(a.work) / "envs", keep)) fmt::print("removed {}\n", key);
}

}  // namespace

void register_env(CLI::App& app) {
  auto args = std::make_shared<EnvArgs>();
  auto* cmd = app.add_subcommand("env", "Task environments: build them ahead of a race, list and prune the cache");
  cmd->require_subcommand(1);
  auto* b = cmd->add_subcommand("build", "Build (or find) the environments of a suite's tasks, then check toolchains");
  b->add_option("suite", args->suite, "Suite folder")->required();
  b->add_option("--task", args->tasks, "Only these task ids")->delimiter(',');
  b->add_option("--sandbox", args->sandbox, "bwrap (default) or none")->capture_default_str();
  auto* l = cmd->add_subcommand("list", "The environments built in the work folder");
  auto* p = cmd->add_subcommand("prune", "Remove every environment but those the suite's tasks use (all without a suite)");
  p->add_option("--suite", args->suite, "Keep this suite's environments");
  p->add_option("--task", args->tasks, "With --suite: keep only these tasks' environments")->delimiter(',');
  for (auto* sub : {b, l, p})
    sub->add_option("--work", args->work, "Work folder (envs/ inside; default as for run)")->capture_default_str();
  b->callback([args] { build(*args); });
  l->callback([args] { list(*args); });
  p->callback([args] { prune(*args); });
}

}  // namespace agentrace::app
