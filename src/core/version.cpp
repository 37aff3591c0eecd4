#include "core/version.hpp"

// Written at every build by cmake/git-commit.cmake: AGENTRACE_GIT_COMMIT.
#include "git-commit.h"

namespace agentrace::core {
std::string version() { return std::string(AGENTRACE_VERSION " (git ") + AGENTRACE_GIT_COMMIT + ")"; }
}  // namespace agentrace::core
