#pragma once
// Runs one shell command for the agent's bash tool: `bash -c` in a folder, in its own
// process group, stdout and stderr merged, output kept up to a cap (head and tail), and
// the whole group killed at the time limit or once the command itself has exited.
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>

namespace agentrace::agent {

struct ShellResult {
  std::string output;          // merged stdout + stderr, capped
  int exit_code = -1;          // when it exited; 128 + signal when killed by one
  bool timed_out = false;
  std::size_t total_bytes = 0;  // produced, including what the cap dropped
};

ShellResult run_shell(const std::string& command, const std::filesystem::path& cwd,
                      std::chrono::milliseconds timeout, std::size_t output_cap);

// Keeps the first and last cap/2 bytes of text with a note about what was left out.
std::string cap_middle(const std::string& text, std::size_t cap);

}  // namespace agentrace::agent
