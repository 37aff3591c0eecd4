// Bootstrap interval, the generator behind it, Pareto front and share-within, against
// hand-computed values.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/stats.hpp"

namespace agentrace::core {
namespace {

TEST(SplitMix64, KnownSequence) {
  // Reference values of splitmix64 seeded with 0 (Vigna's splitmix64.c).
  SplitMix64 rng(0);
  EXPECT_EQ(rng.next(), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(rng.next(), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(rng.next(), 0x06c45d188009454fULL);
}

TEST(SplitMix64, BelowStaysInRangeAndCoversIt) {
  SplitMix64 rng(42);
  std::vector<int> seen(5, 0);
  for (int i = 0; i < 5000; ++i) {
    const auto v = rng.below(5);
    ASSERT_LT(v, 5u);
    ++seen[v];
  }
  for (int n : seen) EXPECT_NEAR(n, 1000, 150);
}

TEST(Bootstrap, EmptySingleAndConstant) {
  const auto none = bootstrap_mean_ci({});
  EXPECT_EQ(none.lo, 0.0);
  EXPECT_EQ(none.hi, 0.0);
  const auto one = bootstrap_mean_ci({2.5});
  EXPECT_EQ(one.lo, 2.5);
  EXPECT_EQ(one.hi, 2.5);
  const auto same = bootstrap_mean_ci({3, 3, 3, 3});
  EXPECT_EQ(same.lo, 3.0);
  EXPECT_EQ(same.hi, 3.0);
}

TEST(Bootstrap, TwoPointsSpanTheirRange) {
  // Resample means of {0, 3} are 0 (p = 1/4), 1.5 (1/2) and 3 (1/4): the 2.5th and
  // 97.5th percentiles of 2000 of them are 0 and 3.
  const auto ci = bootstrap_mean_ci({0, 3});
  EXPECT_EQ(ci.lo, 0.0);
  EXPECT_EQ(ci.hi, 3.0);
}

TEST(Bootstrap, MatchesTheNormalApproximationForALargeSample) {
  // 50 zeros and 50 threes: mean 1.5, standard error 1.5 / sqrt(100) = 0.15, so the 95%
  // interval is about 1.5 -+ 1.96 * 0.15 = [1.206, 1.794].
  std::vector<double> xs(100, 0);
  for (int i = 0; i < 50; ++i) xs[static_cast<std::size_t>(2 * i)] = 3;
  const auto ci = bootstrap_mean_ci(xs);
  EXPECT_NEAR(ci.lo, 1.206, 0.06);
  EXPECT_NEAR(ci.hi, 1.794, 0.06);
}

TEST(Bootstrap, DeterministicAndBracketsTheMean) {
  const std::vector<double> xs = {3, 3, 2, 1, 0, 2, 3};
  const auto a = bootstrap_mean_ci(xs);
  const auto b = bootstrap_mean_ci(xs);
  EXPECT_EQ(a.lo, b.lo);
  EXPECT_EQ(a.hi, b.hi);
  EXPECT_LE(a.lo, mean(xs));
  EXPECT_GE(a.hi, mean(xs));
  EXPECT_GE(a.lo, 0.0);
  EXPECT_LE(a.hi, 3.0);
  const auto narrow = bootstrap_mean_ci(xs, 0.5);
  EXPECT_GE(narrow.lo, a.lo);
  EXPECT_LE(narrow.hi, a.hi);
}

TEST(Pareto, KeepsPointsNoOtherBeatsOnBoth) {
  // x = seconds (lower is better), y = grade (higher is better).
  const std::vector<Point> pts = {{10, 1}, {20, 2}, {30, 1.5}, {5, 0.5}, {20, 1.8}};
  // By x: (5,.5) front; (10,1) front; (20,2) front, (20,1.8) beaten by it; (30,1.5) beaten.
  EXPECT_EQ(pareto_front(pts), (std::vector<std::size_t>{3, 0, 1}));
}

TEST(Pareto, TiesAndEdgeCases) {
  EXPECT_TRUE(pareto_front({}).empty());
  EXPECT_EQ(pareto_front({{1, 1}}), (std::vector<std::size_t>{0}));
  EXPECT_EQ(pareto_front({{1, 1}, {1, 1}}), (std::vector<std::size_t>{0}));           // duplicates: one
  EXPECT_EQ(pareto_front({{2, 3}, {1, 3}}), (std::vector<std::size_t>{1}));           // same grade, faster wins
  EXPECT_EQ(pareto_front({{1, 0}, {2, 1}, {3, 2}}), (std::vector<std::size_t>{0, 1, 2}));  // a staircase
}

TEST(ShareWithin, EmpiricalCdfWithAnOuterDenominator) {
  EXPECT_EQ(share_within({3, 1, 2}, 4, {0.5, 1, 2.5, 10}), (std::vector<double>{0, 0.25, 0.5, 0.75}));
  EXPECT_EQ(share_within({}, 0, {1}), (std::vector<double>{0}));
}

}  // namespace
}  // namespace agentrace::core
