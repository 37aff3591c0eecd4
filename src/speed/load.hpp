#pragma once
// The load generator: runs the cases of a speed run one after another, every request on
// one event loop thread (no thread per request), so thousands of streams cost little.
// Closed loop: `concurrency` requests in flight, each finished one starts the next.
// Open loop: requests are due at seeded Poisson/gamma arrival times; one that cannot go
// out at once (the concurrency cap) waits, and its latencies still count from when it
// was due, so a stalled server shows its true cost (no coordinated omission).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "net/http.hpp"
#include "speed/plan.hpp"
#include "speed/prompt.hpp"
#include "speed/sample.hpp"

namespace agentrace::speed {

struct Target {
  net::Url url;  // requests go to url.base_path + wire::request_path(protocol)
  std::string api_key;
  RequestSpec request;
  std::chrono::milliseconds timeout{600'000};     // a whole request
  std::chrono::milliseconds idle_timeout{60'000};  // no byte for this long: stalled
};

struct LoadOptions {
  int reps = 3;
  std::size_t warmup = 0;    // requests before each case, not counted
  std::size_t requests = 0;  // per repetition; 0: requests_per_rep's default
  Arrival arrival;
  std::uint64_t seed = 0;
  PromptOptions prompt;
  std::optional<double> tokens_per_chunk;  // the fallback count when the server sends no usage
};

// closed loop: max(4, concurrency); open loop: 10 s worth at the rate (at least 10).
std::size_t requests_per_rep(const Case& c, const LoadOptions& options);

struct CaseRun {
  Case c;
  std::vector<Sample> samples;
  std::vector<std::int64_t> rep_ns;  // wall time of each repetition
};

// The client's own cost: CPU over the run (getrusage) and the event loop's lag (a 10 ms
// timer's lateness), to tell a slow client from a slow server.
struct SelfCheck {
  double cpu_s = 0;
  double wall_s = 0;
  std::vector<double> lag_ms;
  double cpu_share() const { return wall_s > 0 ? cpu_s / wall_s : 0; }
};

struct LoadResult {
  std::vector<CaseRun> cases;  // the cases that ran, the last one partial when aborted
  SelfCheck self;
  bool simulated = false;      // the endpoint sent x-agentrace-simulated: 1
  std::string server;          // its `server` header
  std::string aborted;         // why the run stopped early (every request of a case failed)
};

struct Progress {
  std::size_t done = 0, total = 0;
  std::int64_t elapsed_ns = 0;
};

LoadResult run_load(const Target& target, const std::vector<Case>& cases, const LoadOptions& options,
                    const std::function<void(const Progress&)>& progress = {});

}  // namespace agentrace::speed
