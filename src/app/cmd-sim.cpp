#include "app/commands.hpp"

#include "core/error.hpp"

namespace agentrace::app {

void register_sim(CLI::App& app) {
  auto* cmd = app.add_subcommand("sim", "(not built yet)");
  cmd->callback([] { throw core::UsageError("'sim' is not built yet"); });
}

}  // namespace agentrace::app
