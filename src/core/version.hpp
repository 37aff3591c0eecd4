#pragma once
#include <string>

namespace agentrace::core {
std::string version();        // agentrace's own version, e.g. "0.1.0 (git 1a2b3c4)"
}
