#include "sim/stats.hpp"

#include <algorithm>
#include <cmath>

namespace agentrace::sim {
namespace {

double round3(double v) { return std::round(v * 1000) / 1000; }

}  // namespace

void Stats::started() {
  ++responses_;
  const std::int64_t now = ++in_flight_;
  std::int64_t peak = peak_;
  while (now > peak && !peak_.compare_exchange_weak(peak, now)) {
  }
}

void Stats::ended() { --in_flight_; }

void Stats::sent(std::int64_t late_ns) {
  late_ns = std::max<std::int64_t>(0, late_ns);
  const auto us = static_cast<std::size_t>(late_ns / 1000);
  const std::size_t bucket = us < kFine * 10 ? us / 10 : std::min(kFine + (us - kFine * 10) / 1000, buckets_.size() - 1);
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  std::int64_t max = max_late_ns_;
  while (late_ns > max && !max_late_ns_.compare_exchange_weak(max, late_ns)) {
  }
}

Lateness Stats::lateness() const {
  Lateness l;
  std::array<std::uint64_t, kFine + kCoarse> counts{};
  for (std::size_t i = 0; i < counts.size(); ++i) l.pieces += counts[i] = buckets_[i].load(std::memory_order_relaxed);
  auto upper_ms = [](std::size_t i) { return i < kFine ? static_cast<double>(i + 1) * 0.01 : 10.0 + static_cast<double>(i - kFine + 1); };
  auto quantile = [&](double q) {
    const auto want = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(l.pieces)));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
      if ((seen += counts[i]) >= std::max<std::uint64_t>(want, 1)) return upper_ms(i);
    }
    return 0.0;
  };
  if (l.pieces == 0) return l;
  l.p50_ms = quantile(0.5);
  l.p99_ms = quantile(0.99);
  l.max_ms = static_cast<double>(max_late_ns_.load()) / 1e6;
  return l;
}

nlohmann::json Stats::to_json() const {
  const Lateness l = lateness();
  return {{"in_flight", in_flight()},
          {"peak_in_flight", peak_in_flight()},
          {"responses", responses()},
          {"lateness_ms", {{"pieces", l.pieces}, {"p50", round3(l.p50_ms)}, {"p99", round3(l.p99_ms)}, {"max", round3(l.max_ms)}}}};
}

}  // namespace agentrace::sim
