#pragma once
// The relay's report of the agent's own CPU time and peak memory (agentrace relay
// --rusage-fd, docs/metrics.md), written to a descriptor the agent cannot reach; parsed
// here and nowhere else, as defensively as when it lay in the agent's HOME.
#include <string>
#include <string_view>

#include "proc/spawn.hpp"

namespace agentrace::proc {

// Takes user_s, sys_s and max_rss_kb from the relay's JSON into pr. Returns what was
// ignored and why ("" when nothing was); pr keeps its figures for what was ignored.
std::string apply_relay_rusage(std::string_view json, ProcResult& pr);

}  // namespace agentrace::proc
