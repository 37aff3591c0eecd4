#pragma once
// Runs the git CLI with a fixed identity and no user or system config side effects.
#include <filesystem>
#include <string>
#include <vector>

namespace agentrace::workspace {

// Runs `git args...` in cwd; returns stdout. Throws core::InfraError with git's stderr.
std::string git(const std::filesystem::path& cwd, const std::vector<std::string>& args);

}  // namespace agentrace::workspace
