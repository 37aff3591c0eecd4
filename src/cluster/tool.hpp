#pragma once
// Runs a batch engine's client (sbatch, squeue, scancel) with our whole environment, as a
// user's shell would (the job inherits it), and returns what it printed. Unlike
// proc::run it is not ended by a cancel request: Ctrl-C must still reach scancel.
#include <string>
#include <vector>

namespace agentrace::cluster {

struct ToolResult {
  int exit_code = -1;  // 128 + signal when killed
  std::string out, err;
  bool ok() const { return exit_code == 0; }
};

// Throws core::UsageError naming the program when it is not on PATH.
ToolResult run_tool(const std::vector<std::string>& argv);

}  // namespace agentrace::cluster
