#include "core/version.hpp"

namespace agentrace::core {
#ifndef AGENTRACE_GIT_COMMIT
#define AGENTRACE_GIT_COMMIT "unknown"
#endif
std::string version() { return std::string("0.1.0 (git ") + AGENTRACE_GIT_COMMIT + ")"; }
}  // namespace agentrace::core
