#include "workspace/git.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.hpp"
#include "core/fs.hpp"

namespace agentrace::workspace {

std::vector<std::string> git_argv(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"git"};
  for (const char* opt : {"core.hooksPath=/dev/null", "core.fsmonitor=false", "core.attributesFile=/dev/null",
                          "core.excludesFile=/dev/null", "advice.detachedHead=false", "init.defaultBranch=main",
                          "core.autocrlf=false"}) {
    argv.insert(argv.end(), {"-c", opt});
  }
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::map<std::string, std::string> git_env() {
  return {{"GIT_CONFIG_NOSYSTEM", "1"},           {"GIT_CONFIG_GLOBAL", "/dev/null"},
          {"GIT_AUTHOR_NAME", "agentrace"},      {"GIT_AUTHOR_EMAIL", "agentrace@localhost"},
          {"GIT_COMMITTER_NAME", "agentrace"},   {"GIT_COMMITTER_EMAIL", "agentrace@localhost"},
          {"GIT_TERMINAL_PROMPT", "0"}};
}

std::string run_git(proc::SpawnSpec spec, const std::string& what) {
  core::TempDir tmp("agentrace-git");
  spec.stdout_path = tmp.path() / "out";
  spec.stderr_path = tmp.path() / "err";
  spec.timeout = std::chrono::minutes(10);
  const auto r = proc::run(spec);
  if (!r.ok()) {
    throw core::InfraError(fmt::format("{} failed ({}): {}", what, r.describe(),
                                       core::read_tail(tmp.path() / "err", 2000)));
  }
  return core::read_file(tmp.path() / "out");
}

std::string git(const std::filesystem::path& cwd, const std::vector<std::string>& args) {
  proc::SpawnSpec spec;
  spec.argv = git_argv(args);
  spec.cwd = cwd;
  spec.env = proc::allowlisted_env();
  spec.env.merge(git_env());
  return run_git(std::move(spec), fmt::format("git {} in {}", fmt::join(args, " "), cwd.string()));
}

}  // namespace agentrace::workspace
