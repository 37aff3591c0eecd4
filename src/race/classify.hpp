#pragma once
// How an attempt ended, decided from facts alone (no process, sandbox or proxy needed):
// what the agent's process did, what its report said, and its route's call records.
#include <chrono>
#include <string>
#include <vector>

#include "proxy/call-record.hpp"
#include "store/records.hpp"

namespace agentrace::race {

struct AgentFacts {
  bool ok = true;  // exited 0, no signal, no timeout
  bool timed_out = false;
  std::string how_ended;    // "exit 1", "killed by SIGKILL"
  std::string stderr_tail;  // the end of the agent's stderr
  bool reported_error = false;  // the agent's own report says it failed
  std::string error_message;
};

struct Classification {
  store::AttemptState state = store::AttemptState::done;
  store::FailureClass failure = store::FailureClass::none;
  std::string detail;
};

// `model` is the contender's own model (a 401/403 for another model is the agent's doing);
// `limit` the agent's time limit, `stall` the proxy's stall timeout.
Classification classify_attempt(const AgentFacts& agent, const std::vector<proxy::CallRecord>& calls,
                                const std::string& model, std::chrono::seconds limit, std::chrono::seconds stall);

}  // namespace agentrace::race
