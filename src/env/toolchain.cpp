// The toolchain check, in the sandbox the tests run in: its PATH, its mounts, its root.
#include <sstream>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "env/env.hpp"
#include "proc/spawn.hpp"

namespace agentrace::env {
namespace fs = std::filesystem;

std::vector<std::string> missing_tools(const std::vector<std::string>& tools, const sandbox::Environment& view,
                                       sandbox::Mode mode) {
  if (tools.empty()) return {};
  core::TempDir tmp("agentrace-toolchain");
  fs::create_directories(tmp.path() / "ws");
  fs::create_directories(tmp.path() / "home");
  sandbox::Spec sb{tmp.path() / "ws", tmp.path() / "home", {}, {}, {}};
  sb.environment = view;
  std::vector<std::string> argv = {"bash", "-c", "for t in \"$@\"; do command -v \"$t\" >/dev/null || echo \"$t\"; done",
                                   "check"};
  argv.insert(argv.end(), tools.begin(), tools.end());
  auto spec = sandbox::wrap(sb, mode, argv);
  spec.stdout_path = tmp.path() / "missing";
  spec.stderr_path = tmp.path() / "err";
  spec.timeout = std::chrono::seconds(30);
  const auto r = proc::run(spec);
  if (!r.ok())
    throw core::InfraError(fmt::format("toolchain check in the sandbox failed ({}): {}", r.describe(),
                                       core::read_tail(spec.stderr_path, 400)));
  std::vector<std::string> missing;
  std::istringstream lines(core::read_file(spec.stdout_path));
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) missing.push_back(line);
  return missing;
}

}  // namespace agentrace::env
