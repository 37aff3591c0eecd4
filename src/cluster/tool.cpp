#include "cluster/tool.hpp"

#include <sys/wait.h>

#include <chrono>
#include <cstdlib>

#include <fmt/format.h>

#include "core/error.hpp"
#include "proc/spawn.hpp"

extern char** environ;

namespace agentrace::cluster {

ToolResult run_tool(const std::vector<std::string>& argv) {
  proc::SpawnSpec spec;
  spec.argv = argv;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string kv = *e;
    if (const auto eq = kv.find('='); eq != std::string::npos) spec.env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  const auto path = spec.env.count("PATH") ? spec.env["PATH"] : "/usr/local/bin:/usr/bin:/bin";
  if (!proc::find_program(argv.at(0), path))
    throw core::UsageError(fmt::format("{} is not on PATH: run on a Slurm login node, or install slurm-client", argv[0]));
  proc::CappedMemorySink out(1u << 20), err(1u << 20);
  proc::Process p(spec, out, &err, false);
  while (!p.try_wait()) p.pump(std::chrono::milliseconds(100));
  p.drain(std::chrono::milliseconds(200));
  const int status = p.status();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), out.text(), err.text()};
}

}  // namespace agentrace::cluster
