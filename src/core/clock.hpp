#pragma once
// Durations come from the monotonic clock; wall time is only a label (RFC 3339, UTC).
#include <chrono>
#include <cstdint>
#include <string>

namespace agentrace::core {

using Clock = std::chrono::steady_clock;

// Monotonic nanoseconds since an arbitrary origin (for intervals and raw samples).
std::int64_t mono_ns();
// Seconds between two Clock points as double.
double seconds_between(Clock::time_point a, Clock::time_point b);
// Current wall time as RFC 3339 UTC with milliseconds: 2026-11-30T06:48:13.123Z.
std::string wall_now_rfc3339();
// Unix epoch milliseconds of the wall clock (for ordering across machines).
std::int64_t wall_now_ms();

}  // namespace agentrace::core
