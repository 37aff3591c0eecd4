#include "render/scale.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace agentrace::render {
namespace {

constexpr double kMinTime = 1e-3;  // log axes start at 1 ms at the lowest

// Grid values per decade: all of 1-2-5, or fewer when many decades are covered.
std::vector<double> grid_between(double lo, double hi, const std::vector<double>& mantissas) {
  std::vector<double> out;
  const int first = static_cast<int>(std::floor(std::log10(lo)));
  const int last = static_cast<int>(std::ceil(std::log10(hi)));
  for (int e = first; e <= last; ++e) {
    for (double m : mantissas) {
      const double v = m * std::pow(10.0, e);
      if (v <= lo * (1 + 1e-9)) out.assign(1, v);  // the largest grid value at or below lo
      else out.push_back(v);
      if (v >= hi * (1 - 1e-9)) return out;
    }
  }
  return out;
}

double nice_step(double range, int target) {
  if (!(range > 0)) return 1;
  const double raw = range / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw * (1 - 1e-9)) return m * mag;
  return 10 * mag;
}

}  // namespace

double Scale::operator()(double v) const {
  double f = 0;
  if (log) {
    f = (std::log10(std::max(v, kMinTime)) - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
  } else {
    f = hi > lo ? (v - lo) / (hi - lo) : 0;
  }
  return px_lo + f * (px_hi - px_lo);
}

std::vector<double> Scale::ticks() const {
  if (log) {
    const double decades = std::log10(hi) - std::log10(lo);
    return grid_between(lo, hi, decades <= 2.5 ? std::vector<double>{1, 2, 5} : std::vector<double>{1});
  }
  std::vector<double> out;
  const double step = nice_step(hi - lo, 5);
  const auto n = static_cast<int>(std::floor((hi - lo) / step + 1e-9));
  for (int i = 0; i <= n; ++i) out.push_back(lo + i * step);
  return out;
}

Scale linear_scale(double lo, double hi, double px_lo, double px_hi) { return {lo, hi, px_lo, px_hi, false}; }

Scale time_scale(double min_value, double max_value, double px_lo, double px_hi) {
  min_value = std::max(min_value, kMinTime);
  max_value = std::max(max_value, min_value);
  if (max_value / min_value > 10) {
    const double lo = std::pow(10.0, std::floor(std::log10(min_value)));
    const double hi = std::pow(10.0, std::ceil(std::log10(max_value)));
    return {lo, hi, px_lo, px_hi, true};
  }
  const double step = nice_step(max_value, 5);
  return {0, std::ceil(max_value * 1.05 / step) * step, px_lo, px_hi, false};  // 5% headroom
}

std::vector<double> budget_grid(double lo, double hi) {
  lo = std::max(lo, kMinTime);
  hi = std::max(hi, lo);
  for (const auto& m : {std::vector<double>{1, 2, 5}, std::vector<double>{1, 3}, std::vector<double>{1}}) {
    auto grid = grid_between(lo, hi, m);
    if (grid.size() <= 8) return grid;
  }
  return grid_between(lo, hi, {1});
}

std::string duration_label(double s) {
  if (s == 0) return "0";
  if (s < 1) return fmt::format("{:g} ms", std::round(s * 1e4) / 10);
  if (s < 600 || (s < 3600 && std::fmod(s, 60) != 0)) return fmt::format("{:g} s", std::round(s * 100) / 100);
  if (s < 3600) return fmt::format("{:g} min", s / 60);
  return fmt::format("{:g} h", std::round(s / 36) / 100);
}

}  // namespace agentrace::render
