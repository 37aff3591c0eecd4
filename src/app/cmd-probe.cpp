// `agentrace probe`: can this machine run attempts in the bubblewrap sandbox?
#include <fmt/format.h>

#include "app/commands.hpp"
#include "sandbox/sandbox.hpp"

namespace agentrace::app {

void register_probe(CLI::App& app) {
  auto* cmd = app.add_subcommand("probe", "Check that the bubblewrap sandbox works here");
  cmd->callback([] {
    const auto& p = sandbox::probe();
    if (p.works) {
      fmt::print("sandbox: bwrap works ({})\n", p.bwrap_version);
    } else {
      fmt::print("sandbox: bwrap does not work: {}\n", p.detail);
      exit_code() = 1;
    }
  });
}

}  // namespace agentrace::app
