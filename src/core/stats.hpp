#pragma once
// Descriptive statistics over raw samples; aggregates are computed at report time.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace agentrace::core {

double mean(const std::vector<double>& xs);                 // 0 for empty
double stddev(const std::vector<double>& xs);               // sample sd (n-1); 0 for n < 2
// Linear interpolation between closest ranks (type 7, as numpy and R default).
double quantile(std::vector<double> xs, double q);
double median(const std::vector<double>& xs);

struct Summary {
  std::size_t n = 0;
  double mean = 0, sd = 0, min = 0, p25 = 0, median = 0, p75 = 0, max = 0;
};
Summary summarize(const std::vector<double>& xs);

// Percentile bootstrap interval of the mean: `resamples` resamples with replacement drawn
// by a fixed-seed generator (splitmix64), so the same data always gives the same bounds.
struct Interval {
  double lo = 0, hi = 0;
};
Interval bootstrap_mean_ci(const std::vector<double>& xs, double level = 0.95, int resamples = 2000,
                           std::uint64_t seed = 0x5eed'a9e7'7ace'2026ULL);

// Deterministic generator for the bootstrap (same numbers on every platform and compiler).
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();
  std::size_t below(std::size_t n);  // uniform in [0, n), n > 0 (Lemire's multiply-shift)

 private:
  std::uint64_t state_;
};

// Pareto front for "lower x is better, higher y is better" (speed vs quality): the
// indices of points no other point beats on both, sorted by x (ties: higher y first).
struct Point {
  double x = 0, y = 0;
};
std::vector<std::size_t> pareto_front(const std::vector<Point>& points);

// Share of `xs` at or below t, for each t in `at` (an empirical CDF; 0 for empty xs).
// `total` is the denominator (>= xs.size(); values outside xs count as never reaching t).
std::vector<double> share_within(std::vector<double> xs, std::size_t total, const std::vector<double>& at);

// Agreement of two raters on the same items, graded in `categories` ordered classes
// 0..categories-1 (pairs outside the range are skipped). Cohen's kappa is unweighted;
// the weighted kappa uses linear weights 1 - |i - j| / (categories - 1), so a near miss
// counts as partial agreement. A kappa is undefined (empty) when chance agreement is 1,
// e.g. both raters gave every item the same grade.
struct Agreement {
  std::size_t n = 0;
  double exact = 0;                           // share of items with the same grade
  std::optional<double> kappa, weighted_kappa;
  std::vector<std::vector<int>> confusion;    // [first rater's grade][second's]
};
Agreement agreement(const std::vector<std::pair<int, int>>& pairs, int categories);

}  // namespace agentrace::core
