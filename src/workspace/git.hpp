#pragma once
// Runs the git CLI with a fixed identity and no user or system config side effects.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "proc/spawn.hpp"

namespace agentrace::workspace {

// `git` with the fixed options (no hooks, no fsmonitor, no attributes or excludes file)
// and args; the environment that goes with it (no system or global config, identity).
std::vector<std::string> git_argv(const std::vector<std::string>& args);
std::map<std::string, std::string> git_env();

// Runs `git args...` in cwd; returns stdout. Throws core::InfraError with git's stderr.
std::string git(const std::filesystem::path& cwd, const std::vector<std::string>& args);
// Runs a git command already wrapped (e.g. in a sandbox); `what` names it in errors.
std::string run_git(proc::SpawnSpec spec, const std::string& what);

}  // namespace agentrace::workspace
