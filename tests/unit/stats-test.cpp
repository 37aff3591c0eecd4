// Descriptive statistics against hand-computed values.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/stats.hpp"

namespace agentrace::core {
namespace {

constexpr double kEps = 1e-12;

TEST(Stats, MeanAndSampleSd) {
  const std::vector<double> xs = {1, 2, 3, 4};
  EXPECT_NEAR(mean(xs), 2.5, kEps);
  // squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5, over n-1 = 3
  EXPECT_NEAR(stddev(xs), std::sqrt(5.0 / 3.0), kEps);
  const std::vector<double> ys = {2, 4, 4, 4, 5, 5, 7, 9};
  EXPECT_NEAR(mean(ys), 5.0, kEps);
  EXPECT_NEAR(stddev(ys), std::sqrt(32.0 / 7.0), kEps);  // population sd would be 2
}

TEST(Stats, QuantileType7) {
  const std::vector<double> xs = {4, 1, 3, 2};  // unsorted on purpose
  EXPECT_NEAR(median(xs), 2.5, kEps);
  EXPECT_NEAR(quantile(xs, 0.25), 1.75, kEps);  // h = 0.75 -> 1 + 0.75 * (2 - 1)
  EXPECT_NEAR(quantile(xs, 0.75), 3.25, kEps);  // h = 2.25 -> 3 + 0.25 * (4 - 3)
  EXPECT_NEAR(quantile(xs, 0.0), 1.0, kEps);
  EXPECT_NEAR(quantile(xs, 1.0), 4.0, kEps);
  const std::vector<double> ten = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  EXPECT_NEAR(quantile(ten, 0.9), 9.1, kEps);  // h = 8.1
  EXPECT_NEAR(quantile(ten, 0.1), 1.9, kEps);  // h = 0.9
  EXPECT_NEAR(median({3, 1, 2}), 2.0, kEps);   // odd n: the middle value
  EXPECT_NEAR(median({10, 12, 20, 30, 40}), 20.0, kEps);
  EXPECT_NEAR(quantile({10, 12, 20, 30, 40}, 0.25), 12.0, kEps);
  EXPECT_NEAR(quantile({10, 12, 20, 30, 40}, 0.75), 30.0, kEps);
}

TEST(Stats, EmptyInput) {
  const std::vector<double> none;
  EXPECT_EQ(mean(none), 0.0);
  EXPECT_EQ(stddev(none), 0.0);
  EXPECT_EQ(quantile(none, 0.5), 0.0);
  EXPECT_EQ(median(none), 0.0);
  const auto s = summarize(none);
  EXPECT_EQ(s.n, 0u);
  EXPECT_EQ(s.mean, 0.0);
  EXPECT_EQ(s.sd, 0.0);
  EXPECT_EQ(s.min, 0.0);
  EXPECT_EQ(s.max, 0.0);
  EXPECT_EQ(s.median, 0.0);
}

TEST(Stats, SingleElement) {
  const std::vector<double> one = {7.5};
  EXPECT_EQ(mean(one), 7.5);
  EXPECT_EQ(stddev(one), 0.0);
  EXPECT_EQ(quantile(one, 0.0), 7.5);
  EXPECT_EQ(quantile(one, 0.25), 7.5);
  EXPECT_EQ(quantile(one, 1.0), 7.5);
  const auto s = summarize(one);
  EXPECT_EQ(s.n, 1u);
  EXPECT_EQ(s.min, 7.5);
  EXPECT_EQ(s.p25, 7.5);
  EXPECT_EQ(s.median, 7.5);
  EXPECT_EQ(s.p75, 7.5);
  EXPECT_EQ(s.max, 7.5);
  EXPECT_EQ(s.sd, 0.0);
}

TEST(Stats, Summarize) {
  const auto s = summarize({4, 1, 3, 2});
  EXPECT_EQ(s.n, 4u);
  EXPECT_NEAR(s.mean, 2.5, kEps);
  EXPECT_NEAR(s.sd, std::sqrt(5.0 / 3.0), kEps);
  EXPECT_EQ(s.min, 1.0);
  EXPECT_NEAR(s.p25, 1.75, kEps);
  EXPECT_NEAR(s.median, 2.5, kEps);
  EXPECT_NEAR(s.p75, 3.25, kEps);
  EXPECT_EQ(s.max, 4.0);
}

TEST(Stats, IdenticalValuesHaveNoSpread) {
  const std::vector<double> xs = {0.1, 0.1, 0.1};
  EXPECT_NEAR(stddev(xs), 0.0, 1e-15);
  EXPECT_NEAR(quantile(xs, 0.3), 0.1, kEps);
}

}  // namespace
}  // namespace agentrace::core
