#pragma once
// The context a figure depends on: host, CPU, kernel, agentrace version.
#include <string>

namespace agentrace::core {

// JSON object: host, cpu, cores, memory_gib, kernel, agentrace.
std::string host_info_json();
std::string host_name();
// The batch job this process runs in: $AGENTRACE_JOB, else Slurm's "<array job>_<task>" or
// job id; "" outside a batch job.
std::string batch_job();

}  // namespace agentrace::core
