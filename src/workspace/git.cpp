#include "workspace/git.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "proc/spawn.hpp"

namespace agentrace::workspace {

std::string git(const std::filesystem::path& cwd, const std::vector<std::string>& args) {
  core::TempDir tmp("agentrace-git");
  proc::SpawnSpec spec;
  spec.argv = {"git", "-c", "core.hooksPath=/dev/null", "-c", "advice.detachedHead=false",
               "-c", "init.defaultBranch=main", "-c", "core.autocrlf=false"};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.cwd = cwd;
  spec.env = proc::allowlisted_env();
  spec.env["GIT_CONFIG_NOSYSTEM"] = "1";
  spec.env["GIT_CONFIG_GLOBAL"] = "/dev/null";
  spec.env["GIT_AUTHOR_NAME"] = "agentrace";
  spec.env["GIT_AUTHOR_EMAIL"] = "agentrace@localhost";
  spec.env["GIT_COMMITTER_NAME"] = "agentrace";
  spec.env["GIT_COMMITTER_EMAIL"] = "agentrace@localhost";
  spec.env["GIT_TERMINAL_PROMPT"] = "0";
  spec.stdout_path = tmp.path() / "out";
  spec.stderr_path = tmp.path() / "err";
  spec.timeout = std::chrono::minutes(10);
  const auto r = proc::run(spec);
  if (!r.ok()) {
    throw core::InfraError(fmt::format("git {} failed in {} ({}): {}", fmt::join(args, " "),
                                       cwd.string(), r.describe(),
                                       core::read_tail(tmp.path() / "err", 2000)));
  }
  return core::read_file(tmp.path() / "out");
}

}  // namespace agentrace::workspace
