#pragma once
// Helpers shared by tests: paths to the real binary and test data, running a command.
#include <filesystem>
#include <string>

namespace agentrace::test {

std::filesystem::path binary();         // the built agentrace
std::filesystem::path source_dir();     // the repository root
std::filesystem::path data_dir();       // tests/data
std::filesystem::path golden_dir();     // tests/golden

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};
// Runs `bash -c command` and captures both streams.
CommandResult run_command(const std::string& command);

// Compares text with a golden file; with AGENTRACE_UPDATE_GOLDEN=1 rewrites it instead.
// Returns an empty string when equal, else a message with the first difference.
std::string compare_golden(const std::string& name, const std::string& actual);

}  // namespace agentrace::test
