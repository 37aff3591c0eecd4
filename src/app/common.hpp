#pragma once
// Pieces shared by the subcommands.
#include <filesystem>
#include <string>

namespace agentrace::app {

// SIGINT/SIGTERM end running attempts cleanly (they are redone on the next run).
void install_signal_handlers();
// The work folder next to the store unless given: <db folder>/agentrace-work.
std::filesystem::path default_work_dir(const std::filesystem::path& db);

}  // namespace agentrace::app
