#pragma once
// The context a figure depends on: host, CPU, kernel, agentrace version.
#include <string>

namespace agentrace::core {

// JSON object: host, cpu, cores, memory_gib, kernel, agentrace.
std::string host_info_json();
std::string host_name();

}  // namespace agentrace::core
