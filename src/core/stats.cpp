#include "core/stats.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace agentrace::core {
namespace {
__extension__ typedef unsigned __int128 uint128;  // the high half of a 64 x 64 product
}  // namespace

double mean(const std::vector<double>& xs) {
  if (xs.empty()) return 0;
  return std::accumulate(xs.begin(), xs.end(), 0.0) / static_cast<double>(xs.size());
}

double stddev(const std::vector<double>& xs) {
  if (xs.size() < 2) return 0;
  const double m = mean(xs);
  double ss = 0;
  for (double x : xs) ss += (x - m) * (x - m);
  return std::sqrt(ss / static_cast<double>(xs.size() - 1));
}

double quantile(std::vector<double> xs, double q) {
  if (xs.empty()) return 0;
  std::sort(xs.begin(), xs.end());
  const double pos = q * static_cast<double>(xs.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const auto hi = std::min(lo + 1, xs.size() - 1);
  return xs[lo] + (pos - static_cast<double>(lo)) * (xs[hi] - xs[lo]);
}

double median(const std::vector<double>& xs) { return quantile(xs, 0.5); }

Summary summarize(const std::vector<double>& xs) {
  Summary s;
  s.n = xs.size();
  if (xs.empty()) return s;
  std::vector<double> sorted = xs;
  std::sort(sorted.begin(), sorted.end());
  s.mean = mean(sorted);
  s.sd = stddev(sorted);
  s.min = sorted.front();
  s.max = sorted.back();
  s.p25 = quantile(sorted, 0.25);
  s.median = quantile(sorted, 0.5);
  s.p75 = quantile(sorted, 0.75);
  return s;
}

std::uint64_t SplitMix64::next() {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::size_t SplitMix64::below(std::size_t n) {
  const auto wide = static_cast<uint128>(next()) * n;
  return static_cast<std::size_t>(wide >> 64);
}

Interval bootstrap_mean_ci(const std::vector<double>& xs, double level, int resamples, std::uint64_t seed) {
  if (xs.empty()) return {};
  SplitMix64 rng(seed);
  std::vector<double> means(static_cast<std::size_t>(std::max(resamples, 1)));
  for (auto& m : means) {
    double sum = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) sum += xs[rng.below(xs.size())];
    m = sum / static_cast<double>(xs.size());
  }
  std::sort(means.begin(), means.end());
  const double tail = (1 - level) / 2;
  return {quantile(means, tail), quantile(means, 1 - tail)};
}

std::vector<std::size_t> pareto_front(const std::vector<Point>& points) {
  std::vector<std::size_t> order(points.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return points[a].x != points[b].x ? points[a].x < points[b].x : points[a].y > points[b].y;
  });
  std::vector<std::size_t> front;
  for (std::size_t i : order) {
    // Sorted by x, a point is on the front when it beats the best y seen so far.
    if (front.empty() || points[i].y > points[front.back()].y) front.push_back(i);
  }
  return front;
}

std::vector<double> share_within(std::vector<double> xs, std::size_t total, const std::vector<double>& at) {
  std::sort(xs.begin(), xs.end());
  std::vector<double> out;
  out.reserve(at.size());
  for (double t : at) {
    const auto n = std::upper_bound(xs.begin(), xs.end(), t) - xs.begin();
    out.push_back(total ? static_cast<double>(n) / static_cast<double>(total) : 0.0);
  }
  return out;
}

namespace {

// (observed - chance) / (1 - chance) with agreement weights w(i, j); empty when chance is 1.
std::optional<double> weighted_kappa(const Agreement& a, const std::vector<std::vector<double>>& w) {
  const auto k = a.confusion.size();
  std::vector<double> rows(k, 0), cols(k, 0);
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = 0; j < k; ++j) {
      rows[i] += a.confusion[i][j];
      cols[j] += a.confusion[i][j];
    }
  const auto n = static_cast<double>(a.n);
  double observed = 0, chance = 0;
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = 0; j < k; ++j) {
      observed += w[i][j] * a.confusion[i][j] / n;
      chance += w[i][j] * (rows[i] / n) * (cols[j] / n);
    }
  if (1 - chance < 1e-12) return std::nullopt;
  return (observed - chance) / (1 - chance);
}

}  // namespace

Agreement agreement(const std::vector<std::pair<int, int>>& pairs, int categories) {
  Agreement a;
  const auto k = static_cast<std::size_t>(std::max(categories, 1));
  a.confusion.assign(k, std::vector<int>(k, 0));
  std::size_t same = 0;
  for (const auto& [x, y] : pairs) {
    if (x < 0 || y < 0 || x >= categories || y >= categories) continue;
    ++a.confusion[static_cast<std::size_t>(x)][static_cast<std::size_t>(y)];
    ++a.n;
    same += x == y;
  }
  if (a.n == 0) return a;
  a.exact = static_cast<double>(same) / static_cast<double>(a.n);
  std::vector<std::vector<double>> identity(k, std::vector<double>(k, 0)), linear = identity;
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = 0; j < k; ++j) {
      identity[i][j] = i == j;
      const auto d = static_cast<double>(i > j ? i - j : j - i);
      linear[i][j] = k > 1 ? 1 - d / static_cast<double>(k - 1) : 1;
    }
  a.kappa = weighted_kappa(a, identity);
  a.weighted_kappa = weighted_kappa(a, linear);
  return a;
}

}  // namespace agentrace::core
