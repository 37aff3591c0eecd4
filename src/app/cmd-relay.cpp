#include "app/commands.hpp"

#include "core/error.hpp"

namespace agentrace::app {

void register_relay(CLI::App& app) {
  auto* cmd = app.add_subcommand("relay", "(not built yet)");
  cmd->callback([] { throw core::UsageError("'relay' is not built yet"); });
}

}  // namespace agentrace::app
