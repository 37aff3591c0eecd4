// Latency profiles: built-in numbers, files, the stream schedule and its jitter.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "sim/profile.hpp"
#include "support/test-support.hpp"

namespace sim = agentrace::sim;

TEST(SimProfile, BuiltIns) {
  const auto local = sim::builtin_profile("local").value();
  EXPECT_DOUBLE_EQ(local.rtt_ms, 0.2);
  EXPECT_DOUBLE_EQ(local.ttft_ms, 80);
  EXPECT_DOUBLE_EQ(local.ttft_per_1k_tokens_ms, 25);
  EXPECT_DOUBLE_EQ(local.decode_tokens_per_s, 60);
  EXPECT_EQ(local.tokens_per_chunk, 1u);
  const auto hosted = sim::builtin_profile("hosted").value();
  EXPECT_DOUBLE_EQ(hosted.rtt_ms, 40);
  EXPECT_DOUBLE_EQ(hosted.ttft_ms, 600);
  EXPECT_DOUBLE_EQ(hosted.ttft_per_1k_tokens_ms, 8);
  EXPECT_DOUBLE_EQ(hosted.decode_tokens_per_s, 80);
  EXPECT_EQ(hosted.tokens_per_chunk, 3u);
  const auto zero = sim::builtin_profile("zero").value();
  EXPECT_EQ(zero.ttft_ms + zero.rtt_ms + zero.decode_tokens_per_s, 0);
  EXPECT_FALSE(sim::builtin_profile("fast"));
}

TEST(SimProfile, LoadsAFileAndRejectsBadOnes) {
  const auto p = sim::resolve_profile((agentrace::test::data_dir() / "sim" / "steady.toml").string());
  EXPECT_EQ(p.name, "steady");
  EXPECT_DOUBLE_EQ(p.rtt_ms, 5);
  EXPECT_EQ(p.tokens_per_chunk, 2u);
  EXPECT_THROW(sim::resolve_profile("fast"), agentrace::core::UsageError);
  EXPECT_THROW(sim::resolve_profile("/no/such.toml"), agentrace::core::UsageError);
  EXPECT_THROW(sim::load_profile(agentrace::test::data_dir() / "sim" / "fix-sum.toml"), agentrace::core::UsageError);
}

TEST(SimProfile, StreamScheduleFollowsTheProfile) {
  // rtt 10, ttft 100 + 50 per 1k tokens, 100 tokens/s.
  const sim::Profile p{"t", 10, 100, 50, 100, 2, 0};
  // role chunk, 3 content chunks of 2, 2, 1 tokens, stop chunk, usage chunk.
  const auto s = sim::plan_stream(p, 2000, {0, 2, 2, 1, 0, 0}, 7);
  EXPECT_EQ(s.head_ns, 10'000'000);
  ASSERT_EQ(s.offsets_ns.size(), 6u);
  EXPECT_EQ(s.offsets_ns[0], 10'000'000);   // with the head
  EXPECT_EQ(s.offsets_ns[1], 210'000'000);  // rtt + 100 + 2 * 50
  EXPECT_EQ(s.offsets_ns[2], 230'000'000);  // + 2 tokens at 100/s
  EXPECT_EQ(s.offsets_ns[3], 240'000'000);  // + 1 token
  EXPECT_EQ(s.offsets_ns[4], 240'000'000);  // trailing chunks go at once
  EXPECT_EQ(s.offsets_ns[5], 240'000'000);
  EXPECT_DOUBLE_EQ(s.prompt_ms, 200);
  EXPECT_DOUBLE_EQ(s.predicted_ms, 30);
}

TEST(SimProfile, WholeResponseWaitsForEveryToken) {
  const sim::Profile p{"t", 10, 100, 0, 100, 1, 0};
  const auto s = sim::plan_whole(p, 500, 11, 1);
  EXPECT_EQ(s.head_ns, 210'000'000);  // 10 + 100 + 10 tokens after the first
  EXPECT_DOUBLE_EQ(s.prompt_ms, 100);
  EXPECT_DOUBLE_EQ(s.predicted_ms, 100);
}

TEST(SimProfile, ZeroProfileSendsEverythingAtOnce) {
  const auto s = sim::plan_stream(sim::Profile{}, 100000, {0, 3, 3, 0}, 1);
  for (auto t : s.offsets_ns) EXPECT_EQ(t, 0);
}

TEST(SimProfile, JitterIsDeterministicAndBounded) {
  sim::Jitter a(42, 20), b(42, 20), c(43, 20);
  bool differs = false;
  double lo = 2, hi = 0;
  for (int i = 0; i < 10000; ++i) {
    const double x = a.factor();
    EXPECT_EQ(x, b.factor());
    differs = differs || x != c.factor();
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  EXPECT_TRUE(differs);
  EXPECT_GE(lo, 0.8);
  EXPECT_LT(hi, 1.2);
  EXPECT_LT(lo, 0.81);  // the whole range is used
  EXPECT_GT(hi, 1.19);
  sim::Jitter none(42, 0);
  EXPECT_EQ(none.factor(), 1.0);
}

TEST(SimProfile, JitteredScheduleRepeatsForTheSameSeedAndRequest) {
  const auto p = sim::builtin_profile("hosted").value();
  const std::vector<std::size_t> tokens{0, 3, 3, 3, 3, 2, 0};
  const auto seed = sim::request_seed(5, R"({"model":"m"})");
  EXPECT_EQ(seed, sim::request_seed(5, R"({"model":"m"})"));
  EXPECT_NE(seed, sim::request_seed(6, R"({"model":"m"})"));
  EXPECT_NE(seed, sim::request_seed(5, R"({"model":"n"})"));
  const auto a = sim::plan_stream(p, 1000, tokens, seed);
  const auto b = sim::plan_stream(p, 1000, tokens, seed);
  const auto c = sim::plan_stream(p, 1000, tokens, seed + 1);
  EXPECT_EQ(a.offsets_ns, b.offsets_ns);
  EXPECT_NE(a.offsets_ns, c.offsets_ns);
  // Within +-15% of the plain numbers.
  const double ttft = 600 + 8;
  EXPECT_NEAR(a.prompt_ms, ttft, ttft * 0.15);
  const double decode = 1000.0 * 11 / 80;
  EXPECT_NEAR(a.predicted_ms, decode, decode * 0.15);
  for (std::size_t i = 1; i < a.offsets_ns.size(); ++i) EXPECT_GE(a.offsets_ns[i], a.offsets_ns[i - 1]);
}
