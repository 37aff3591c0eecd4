#include "race/classify.hpp"

#include <fmt/format.h>

#include <optional>
#include <utility>

namespace agentrace::race {
namespace {

using F = store::FailureClass;

Classification infra(F f, std::string detail) { return {store::AttemptState::infra_error, f, std::move(detail)}; }

// When the agent failed and its last model call failed on the endpoint's side, the
// attempt is the infrastructure's failure, not the model's (wrk's classes).
std::optional<F> endpoint_failure(const std::vector<proxy::CallRecord>& calls) {
  if (calls.empty()) return std::nullopt;
  using E = proxy::ErrorClass;
  switch (calls.back().error) {
    case E::connect:
    case E::tls: return F::connect;
    case E::status_429:
    case E::status_5xx: return F::status;
    case E::reset:
    case E::malformed:
    case E::timeout: return F::stream;
    default: return std::nullopt;
  }
}

// The agent left its last call (stopped at its limit) after the endpoint had sent no
// byte for `window`, before the first one or mid-stream. A model still streaming is not
// a stall, nor a call the agent dropped long before it was stopped.
bool left_waiting(const std::vector<proxy::CallRecord>& calls, std::chrono::milliseconds window) {
  if (calls.empty() || calls.back().error != proxy::ErrorClass::client_gone) return false;
  const auto& c = calls.back();
  return c.end_ms - std::max(0.0, c.last_byte_ms) >= static_cast<double>(window.count());
}

// The endpoint refused the key: 401/403 to a model call for the contender's own model
// (an agent asking for another model or path cannot void its attempt this way).
bool key_refused(const proxy::CallRecord& c, const std::string& model) {
  return (c.status == 401 || c.status == 403) && !c.protocol.empty() && (model.empty() || c.model == model);
}

// Endpoint faults that void the attempt whatever the agent did next: a key the endpoint
// refused, a call the proxy cut after its stall timeout, or the agent stopped while
// waiting on a silent endpoint for the stall timeout or half its limit, whichever is
// shorter (a limit under the stall timeout ends the attempt before the proxy can see it).
std::optional<Classification> endpoint_fault(const std::vector<proxy::CallRecord>& calls, const std::string& model,
                                             bool timed_out, std::chrono::seconds limit, std::chrono::seconds stall) {
  for (const auto& c : calls) {
    if (key_refused(c, model))
      return infra(F::auth, fmt::format("the endpoint refused the key: HTTP {} on call {}", c.status, c.sequence + 1));
  }
  for (const auto& c : calls) {
    if (c.error == proxy::ErrorClass::stalled)
      return infra(F::stream, fmt::format("the endpoint's stream stalled: no byte for {} s on call {}", stall.count(),
                                          c.sequence + 1));
  }
  const auto window = std::min<std::chrono::milliseconds>(stall, std::chrono::milliseconds(limit) / 2);
  if (timed_out && left_waiting(calls, window))
    return infra(F::stream,
                 fmt::format("the endpoint's stream stalled; the agent hit its {} s limit waiting", limit.count()));
  return std::nullopt;
}

// The agent failed on its own: scored as its error unless the endpoint failed under it.
Classification agent_failed(const AgentFacts& agent, const std::vector<proxy::CallRecord>& calls) {
  if (const auto f = endpoint_failure(calls))
    return infra(*f, fmt::format("the endpoint failed ({}): {}", proxy::error_class_name(calls.back().error),
                                 calls.back().error_detail));
  return {store::AttemptState::done, F::agent_error,
          agent.reported_error ? agent.error_message : fmt::format("agent {}: {}", agent.how_ended, agent.stderr_tail)};
}

}  // namespace

Classification classify_attempt(const AgentFacts& agent, const std::vector<proxy::CallRecord>& calls,
                                const std::string& model, std::chrono::seconds limit, std::chrono::seconds stall) {
  if (auto fault = endpoint_fault(calls, model, agent.timed_out, limit, stall)) return std::move(*fault);
  if (agent.timed_out)
    return {store::AttemptState::timed_out, F::timeout, fmt::format("agent stopped at its {} s limit", limit.count())};
  if (!agent.ok || agent.reported_error) return agent_failed(agent, calls);
  return {};
}

}  // namespace agentrace::race
