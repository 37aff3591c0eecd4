#pragma once
// Who holds an attempt: an owner id "host:pid:random" per process, unique across
// machines and pid reuse. A process can tell whether an owner on its own host is gone;
// an owner elsewhere is trusted until its lease expires.
#include <chrono>
#include <string>

namespace agentrace::store {

// How long a claim holds without renewal; a running process renews it every quarter.
inline constexpr std::chrono::milliseconds kLeaseTime{60'000};

std::string new_owner();
// True when `owner` is of this host and its process no longer runs.
bool owner_gone_here(const std::string& owner);

}  // namespace agentrace::store
