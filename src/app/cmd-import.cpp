// `agentrace import swe-bench|...`: suites others publish, as task folders
// (docs/tasks-from-history.md).
#include <fmt/format.h>

#include "app/commands.hpp"
#include "interop/harbor.hpp"
#include "interop/swe-bench.hpp"

namespace agentrace::app {
namespace {

void print_imported(const std::vector<interop::ImportedTask>& tasks, const std::filesystem::path& suite) {
  for (const auto& t : tasks) {
    fmt::print("{}\n", t.dir.string());
    for (const auto& n : t.notes) fmt::print("  note: {}\n", n);
  }
  fmt::print(stderr, "import: {} task(s) in {}; next: agentrace validate {}\n", tasks.size(), suite.string(), suite.string());
}

void register_swe_bench(CLI::App& import) {
  auto o = std::make_shared<interop::SweBenchImport>();
  auto* cmd = import.add_subcommand("swe-bench", "SWE-bench instances (JSONL) as tasks: fix, hidden test patch, tiers by test id");
  cmd->add_option("file", o->file, "The instances, one JSON object a line")->required();
  cmd->add_option("--instance", o->instances, "Only these instance ids (repeat)");
  cmd->add_option("--out", o->out, "The suite folder to write the tasks into")->required();
  cmd->add_option("--repos", o->repos, "Local clones, as DIR/owner__name or DIR/owner/name (else GitHub)");
  cmd->add_option("--images", o->images, "Instance images (docker save tarballs or OCI layouts) named as SWE-bench names them");
  cmd->add_option("--setup", o->setup, "Instead of an image: the environment's install commands");
  cmd->callback([o] { print_imported(interop::import_swe_bench(*o), o->out); });
}

void register_harbor(CLI::App& import) {
  auto o = std::make_shared<interop::HarborImport>();
  auto* cmd = import.add_subcommand("harbor", "Harbor / Terminal-Bench task folders as tasks: workdir, verifier reward, "
                                              "solve.sh run once for the fix");
  cmd->add_option("dir", o->dir, "A Harbor task folder, or a folder of them")->required();
  cmd->add_option("--out", o->out, "The suite folder to write the tasks into")->required();
  cmd->add_option("--images", o->images, "Task images (docker save tarballs or OCI layouts) as DIR/<task id>.tar or DIR/<task id>/");
  cmd->add_option("--work", o->work, "Where solve.sh's repository and environment are built (default: temporary)");
  cmd->add_option("--sandbox", o->sandbox, "bwrap (Harbor's paths, /app and /tests, need it)");
  cmd->callback([o] { print_imported(interop::import_harbor(*o), o->out); });
}

}  // namespace

void register_import(CLI::App& app) {
  auto* import = app.add_subcommand("import", "Import tasks from published suites");
  import->require_subcommand(1);
  register_swe_bench(*import);
  register_harbor(*import);
}

}  // namespace agentrace::app
