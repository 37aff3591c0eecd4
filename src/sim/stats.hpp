#pragma once
// What the simulated endpoint says about itself, so a bench can tell when the sim, not
// the thing measured, was the limit: responses in flight (now and at peak) and how late
// each timed piece went out against its schedule. Lock-free: every loop adds to it.
#include <array>
#include <atomic>
#include <cstdint>

#include <nlohmann/json.hpp>

namespace agentrace::sim {

struct Lateness {
  std::uint64_t pieces = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;  // bucket upper bounds (10 us below 10 ms, 1 ms above)
};

class Stats {
 public:
  void started();                   // a timed response begins
  void ended();                     // ... and is over (finished or its client left)
  void sent(std::int64_t late_ns);  // a piece (or the head) went out this long after its due time

  std::int64_t in_flight() const { return in_flight_; }
  std::int64_t peak_in_flight() const { return peak_; }
  std::uint64_t responses() const { return responses_; }
  Lateness lateness() const;
  nlohmann::json to_json() const;

 private:
  static constexpr std::size_t kFine = 1000;    // 10 us each: 0-10 ms
  static constexpr std::size_t kCoarse = 1000;  // 1 ms each: 10 ms-1.01 s, the last also holds later ones
  std::atomic<std::int64_t> in_flight_{0}, peak_{0}, max_late_ns_{0};
  std::atomic<std::uint64_t> responses_{0};
  std::array<std::atomic<std::uint64_t>, kFine + kCoarse> buckets_{};
};

}  // namespace agentrace::sim
