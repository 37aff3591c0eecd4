#include "app/commands.hpp"

#include "core/error.hpp"

namespace agentrace::app {

void register_proxy(CLI::App& app) {
  auto* cmd = app.add_subcommand("proxy", "(not built yet)");
  cmd->callback([] { throw core::UsageError("'proxy' is not built yet"); });
}

}  // namespace agentrace::app
