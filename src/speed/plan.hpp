#pragma once
// What a speed run measures: the cross product of the sweeps (as llama-bench runs its
// comma lists), and when each request of an open-loop case is due (Poisson or gamma
// arrivals from a seed, the same offsets for the same seed on every machine).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace agentrace::speed {

struct Case {
  std::int64_t prompt_tokens = 512;
  std::int64_t output_tokens = 128;
  int concurrency = 1;  // closed loop: requests in flight; open loop: the cap (0 = none)
  double rate = 0;      // requests/s; 0 = closed loop
  bool open_loop() const { return rate > 0; }
  bool operator==(const Case&) const = default;
};

struct Sweep {
  std::vector<std::int64_t> prompt_tokens{512};
  std::vector<std::int64_t> output_tokens{128};
  std::vector<int> concurrency;  // empty: 1 for closed loop, no cap for open loop
  std::vector<double> rate{0};
};

// Every combination, prompt length outermost and rate innermost.
std::vector<Case> cross_product(const Sweep& sweep);

// "a,b,,c" -> {"a", "b", "", "c"} (views into text).
std::vector<std::string_view> split_commas(std::string_view text);
// "128,512,2k" (k = 1024) -> numbers; throws core::UsageError naming the flag.
std::vector<std::int64_t> parse_int_list(std::string_view text, std::string_view flag, std::int64_t min);
std::vector<double> parse_number_list(std::string_view text, std::string_view flag, double min);

enum class ArrivalKind { poisson, gamma };
struct Arrival {
  ArrivalKind kind = ArrivalKind::poisson;
  double shape = 1;  // gamma shape k: < 1 burstier than Poisson, > 1 more regular
};
// "poisson" or "gamma:K"; throws core::UsageError naming --arrival.
Arrival parse_arrival(std::string_view text);
std::string arrival_name(const Arrival& arrival);

// Due times (ns from the start) of n requests at `rate` per second: gaps drawn from an
// exponential (Poisson) or gamma distribution with mean 1/rate. The first is due at 0.
std::vector<std::int64_t> arrival_offsets(double rate, const Arrival& arrival, std::size_t n, std::uint64_t seed);

}  // namespace agentrace::speed
