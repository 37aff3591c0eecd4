// How an attempt ended, from facts alone: one row per rule of race/classify.hpp, with no
// agent CLI, sandbox or proxy (the integration tests run the same rules end to end).
#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "race/classify.hpp"

namespace agentrace::test {
namespace {

using race::AgentFacts;
using E = proxy::ErrorClass;
using F = store::FailureClass;
using S = store::AttemptState;
using namespace std::chrono_literals;

AgentFacts exited(int code) {
  AgentFacts a;
  a.ok = code == 0;
  a.how_ended = "exit " + std::to_string(code);
  a.stderr_tail = "boom";
  return a;
}

AgentFacts timed_out() {
  AgentFacts a = exited(0);
  a.ok = false;
  a.timed_out = true;
  return a;
}

AgentFacts reported(const std::string& message) {
  AgentFacts a = exited(0);
  a.reported_error = true;
  a.error_message = message;
  return a;
}

proxy::CallRecord call(int status, E error = E::none, const std::string& model = "m") {
  proxy::CallRecord c;
  c.protocol = "openai-chat";
  c.model = model;
  c.status = status;
  c.error = error;
  c.error_detail = "upstream said no";
  c.last_byte_ms = 1000;
  c.end_ms = 1500;
  return c;
}

// The agent left a call on which the endpoint had been silent for `silent_ms`.
proxy::CallRecord left_after(double silent_ms) {
  auto c = call(200, E::client_gone);
  c.end_ms = c.last_byte_ms + silent_ms;
  return c;
}

proxy::CallRecord other_path(int status) {
  auto c = call(status);
  c.protocol.clear();
  return c;
}

struct Row {
  std::string name;
  AgentFacts agent;
  std::vector<proxy::CallRecord> calls;
  std::chrono::seconds limit, stall;
  S state;
  F failure;
  std::string detail;
};

const std::vector<Row>& rows() {
  static const std::vector<Row> r = {
      {"clean exit", exited(0), {call(200)}, 60s, 30s, S::done, F::none, ""},
      {"agent exits 1", exited(1), {call(200)}, 60s, 30s, S::done, F::agent_error, "agent exit 1: boom"},
      {"agent reports an error", reported("gave up"), {}, 60s, 30s, S::done, F::agent_error, "gave up"},
      {"time limit", timed_out(), {call(200)}, 60s, 30s, S::timed_out, F::timeout, "agent stopped at its 60 s limit"},
      {"own model refused", exited(0), {call(200), call(401)}, 60s, 30s, S::infra_error, F::auth,
       "the endpoint refused the key: HTTP 401 on call 1"},
      {"another model refused", exited(1), {call(403, E::none, "other")}, 60s, 30s, S::done, F::agent_error,
       "agent exit 1: boom"},
      {"another path refused", exited(0), {other_path(401)}, 60s, 30s, S::done, F::none, ""},
      {"proxy cut a stalled stream", exited(1), {call(200, E::stalled)}, 60s, 30s, S::infra_error, F::stream,
       "the endpoint's stream stalled: no byte for 30 s on call 1"},
      {"stopped waiting on a silent endpoint", timed_out(), {left_after(30000)}, 60s, 30s, S::infra_error, F::stream,
       "the endpoint's stream stalled; the agent hit its 60 s limit waiting"},
      {"stopped while the model streams", timed_out(), {left_after(29000)}, 60s, 30s, S::timed_out, F::timeout,
       "agent stopped at its 60 s limit"},
      {"a limit under the stall timeout waits half the limit", timed_out(), {left_after(5000)}, 10s, 30s,
       S::infra_error, F::stream, "the endpoint's stream stalled; the agent hit its 10 s limit waiting"},
      {"left waiting but not stopped", exited(1), {left_after(30000)}, 60s, 30s, S::done, F::agent_error,
       "agent exit 1: boom"},
      {"agent fails after a 5xx", exited(1), {call(502, E::status_5xx)}, 60s, 30s, S::infra_error, F::status,
       "the endpoint failed (status_5xx): upstream said no"},
      {"agent reports an error after a 429", reported("rate limited"), {call(429, E::status_429)}, 60s, 30s,
       S::infra_error, F::status, "the endpoint failed (status_429): upstream said no"},
      {"agent fails after a refused connection", exited(1), {call(0, E::connect)}, 60s, 30s, S::infra_error,
       F::connect, "the endpoint failed (connect): upstream said no"},
      {"agent fails after a reset", exited(1), {call(200, E::reset)}, 60s, 30s, S::infra_error, F::stream,
       "the endpoint failed (reset): upstream said no"},
      {"agent recovers from a 5xx", exited(0), {call(502, E::status_5xx), call(200)}, 60s, 30s, S::done, F::none,
       ""},
      {"agent ignores a 5xx and succeeds", exited(0), {call(502, E::status_5xx)}, 60s, 30s, S::done, F::none, ""},
      {"agent fails after a 4xx of its own", exited(1), {call(400, E::status_4xx)}, 60s, 30s, S::done,
       F::agent_error, "agent exit 1: boom"},
  };
  return r;
}

TEST(AttemptClassify, EveryRuleAsATable) {
  for (const auto& row : rows()) {
    SCOPED_TRACE(row.name);
    const auto c = race::classify_attempt(row.agent, row.calls, "m", row.limit, row.stall);
    EXPECT_EQ(store::to_string(c.state), store::to_string(row.state));
    EXPECT_EQ(store::to_string(c.failure), store::to_string(row.failure));
    EXPECT_EQ(c.detail, row.detail);
  }
}

TEST(AttemptClassify, AnyModelCountsWhenTheContenderNamesNone) {
  const auto c = race::classify_attempt(exited(0), {call(401, E::none, "whatever")}, "", 60s, 30s);
  EXPECT_EQ(c.failure, F::auth);
}

}  // namespace
}  // namespace agentrace::test
