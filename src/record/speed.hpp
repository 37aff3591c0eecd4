#pragma once
// An endpoint speed run (`agentrace speed`) as the store keeps it and a race report reads
// it: the options it ran with, and per case its sweep point and the figures a report shows.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace agentrace::record {

// The sweeps and flags as given (docs/speed.md).
struct SpeedOptions {
  std::string prompt, output, concurrency, rate, arrival;
  std::uint64_t seed = 0;
  int reps = 0;
  std::size_t warmup = 0, requests = 0;
  bool prefix_cache = false;
  std::int64_t shared_prefix = 0;
  bool stream = true;
  bool ignore_eos = false;
  std::string slo;
};

// One case: its sweep point and the figures a race report shows, unset where the run did
// not measure them. Its JSON uses the speed printers' column names (speed/printers.cpp),
// so it reads from the row `agentrace speed --format json` prints for the case.
struct SpeedCase {
  std::int64_t prompt_tokens = 0, output_tokens = 0;
  int concurrency = 0;
  double rate = 0;  // requests per second; 0 = closed loop
  std::optional<double> ttft_ms_median, decode_tps_median, output_tps_mean;
  int ok = 0, requests = 0;
};

void to_json(nlohmann::json& j, const SpeedOptions& o);
void from_json(const nlohmann::json& j, SpeedOptions& o);
void to_json(nlohmann::json& j, const SpeedCase& c);
void from_json(const nlohmann::json& j, SpeedCase& c);

}  // namespace agentrace::record
