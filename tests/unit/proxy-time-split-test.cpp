// proxy::split_time on hand-computed cases: model = union of calls, tool = agent spans
// or id-matched gaps outside model time, scaffold = the rest, summing exactly to wall.
#include <gtest/gtest.h>

#include "proxy/time-split.hpp"

namespace proxy = agentrace::proxy;

namespace {

constexpr std::int64_t ms = 1'000'000;
constexpr std::int64_t t0 = 5'000'000'000;  // an arbitrary monotonic origin

proxy::CallRecord call(std::int64_t start_ms, std::int64_t end_ms, std::vector<std::string> calls = {},
                       std::vector<std::string> results = {}) {
  proxy::CallRecord c;
  c.start_mono_ns = t0 + start_ms * ms;
  c.end_ms = static_cast<double>(end_ms - start_ms);
  c.last_byte_ms = c.end_ms;
  c.tool_call_ids = std::move(calls);
  c.tool_result_ids = std::move(results);
  return c;
}

void expect_sums(const proxy::TimeSplit& t) {
  EXPECT_EQ(t.model_ns + t.tool_ns + t.scaffold_ns, t.wall_ns);
  EXPECT_GE(t.scaffold_ns, 0);
}

TEST(TimeSplit, NoCallsIsAllScaffold) {
  const auto t = proxy::split_time(t0, t0 + 10'000 * ms, {});
  EXPECT_EQ(t.wall_ns, 10'000 * ms);
  EXPECT_EQ(t.scaffold_ns, 10'000 * ms);
  expect_sums(t);
}

TEST(TimeSplit, StartUpAndWindDownAreOutsideTheFirstAndLastCall) {
  const auto t = proxy::split_time(t0, t0 + 10'000 * ms, {call(5000, 7000), call(1500, 3000), call(8000, 9000)});
  EXPECT_EQ(t.before_first_call_ns, 1500 * ms);
  EXPECT_EQ(t.after_last_call_ns, 1000 * ms);
  const auto none = proxy::split_time(t0, t0 + 10'000 * ms, {});
  EXPECT_EQ(none.before_first_call_ns, 0);
  EXPECT_EQ(none.after_last_call_ns, 0);
}

TEST(TimeSplit, ToolGapsComeFromMatchingIds) {
  // call A 1-3 s asks for tool t1; call B 5-7 s returns it; call C 8-9 s returns nothing.
  const auto t = proxy::split_time(t0, t0 + 10'000 * ms,
                                   {call(1000, 3000, {"t1"}), call(5000, 7000, {}, {"t1"}), call(8000, 9000)});
  EXPECT_EQ(t.model_ns, 5000 * ms);
  EXPECT_EQ(t.tool_ns, 2000 * ms);  // 3 -> 5 s
  EXPECT_EQ(t.scaffold_ns, 3000 * ms);
  EXPECT_EQ(t.tool_gaps, 1u);
  expect_sums(t);
}

TEST(TimeSplit, ResultsForOtherIdsDoNotCount) {
  const auto t = proxy::split_time(t0, t0 + 10'000 * ms, {call(1000, 3000, {"t1"}), call(5000, 7000, {}, {"t9"})});
  EXPECT_EQ(t.tool_ns, 0);
  EXPECT_EQ(t.scaffold_ns, 6000 * ms);
  expect_sums(t);
}

TEST(TimeSplit, OverlappingCallsCountOnce) {
  // 1-4 s and 2-5 s overlap: model is 1-5 s; a parallel call inside the tool gap 5-8 s
  // (6-7 s) is model time, not tool time.
  const auto t = proxy::split_time(
      t0, t0 + 10'000 * ms, {call(1000, 4000), call(2000, 5000, {"a"}), call(6000, 7000), call(8000, 9000, {}, {"a"})});
  EXPECT_EQ(t.model_ns, 6000 * ms);  // 1-5, 6-7, 8-9
  EXPECT_EQ(t.tool_ns, 2000 * ms);   // 5-8 minus 6-7
  EXPECT_EQ(t.scaffold_ns, 2000 * ms);
  expect_sums(t);
}

TEST(TimeSplit, CallsAreClippedToTheAttempt) {
  const auto t = proxy::split_time(t0 + 1000 * ms, t0 + 4000 * ms, {call(0, 2000), call(3500, 6000)});
  EXPECT_EQ(t.wall_ns, 3000 * ms);
  EXPECT_EQ(t.model_ns, 1500 * ms);  // 1-2 s and 3.5-4 s
  expect_sums(t);
}

TEST(TimeSplit, AgentToolSpansWinOverIdGaps) {
  // The gap 3-5 s holds 0.5 s of scaffold turnaround on each side of a 1 s tool run;
  // a span reaching into model time (6.5-7.5 s) counts only outside it.
  const std::vector<proxy::ToolSpan> spans{{t0 + 3500 * ms, t0 + 4500 * ms}, {t0 + 6500 * ms, t0 + 7500 * ms}};
  const auto t = proxy::split_time(t0, t0 + 10'000 * ms, {call(1000, 3000, {"t1"}), call(5000, 7000, {}, {"t1"})}, spans);
  EXPECT_TRUE(t.tools_from_agent);
  EXPECT_EQ(t.model_ns, 4000 * ms);
  EXPECT_EQ(t.tool_ns, 1500 * ms);  // 1 s + 0.5 s (7-7.5)
  EXPECT_EQ(t.scaffold_ns, 4500 * ms);
  expect_sums(t);
}

TEST(TimeSplit, NetworkIsConnectTlsAndUnreportedServerTime) {
  auto a = call(1000, 2000);
  a.connect_ms = 0.5;
  a.tls_ms = 2.0;
  auto b = call(3000, 3100);
  b.connect_ms = -1;  // reused connection
  b.request_sent_ms = 0.2;
  b.last_byte_ms = 100.0;
  b.server_prompt_ms = 20.0;
  b.server_predicted_ms = 70.0;
  const auto t = proxy::split_time(t0, t0 + 5000 * ms, {a, b});
  EXPECT_EQ(t.network_ns, 2'500'000 + 9'800'000);  // 0.5 + 2 ms, then 99.8 - 90 ms
  EXPECT_EQ(t.calls, 2U);
  EXPECT_EQ(t.server_timed_calls, 1U);  // a's network is connect + TLS only
  EXPECT_LE(t.network_ns, t.model_ns);
  expect_sums(t);
}

TEST(TimeSplit, OddNanosecondsStillSumExactly) {
  auto a = call(0, 0);
  a.start_mono_ns = t0 + 123'457;
  a.end_ms = 0.3333333;
  const auto t = proxy::split_time(t0 + 7, t0 + 999'999'999, {a, call(1, 333, {"x"}), call(500, 777, {}, {"x"})});
  expect_sums(t);
}

}  // namespace
