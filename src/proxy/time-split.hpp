#pragma once
// Where an attempt's wall-clock went, from its call records (no I/O):
//   model    = the union of the call intervals (start -> end of each call),
//   tool     = tool execution outside model time: the agent's own tool spans when it
//              reports them, else the gap between a response carrying tool-call ids and
//              the next request carrying their results (that gap also holds the scaffold's
//              own turnaround around the tool; only agent spans separate the two),
//   scaffold = the rest.
// model + tool + scaffold == wall exactly (integer nanoseconds). network is an estimate
// that lies inside model: connect + TLS, plus client-seen minus server-reported time
// for calls whose server reports its timings (for the others it is a lower bound).
#include <cstdint>
#include <vector>

#include "proxy/call-record.hpp"

namespace agentrace::proxy {

struct ToolSpan {  // steady-clock ns, as CallRecord::start_mono_ns
  std::int64_t start_ns = 0;
  std::int64_t end_ns = 0;
};

struct TimeSplit {
  std::int64_t wall_ns = 0;
  std::int64_t model_ns = 0;
  std::int64_t tool_ns = 0;
  std::int64_t scaffold_ns = 0;
  std::int64_t network_ns = 0;  // part of model_ns
  std::size_t calls = 0;
  std::size_t server_timed_calls = 0;  // calls whose server reported its timings
  // Start-up and wind-down: from the start to the first call, and from the end of the
  // last call to the end (0 without calls). What lies between is the agent's turns.
  std::int64_t before_first_call_ns = 0;
  std::int64_t after_last_call_ns = 0;
  std::size_t tool_gaps = 0;    // id-matched gaps used (0 when agent spans were given)
  bool tools_from_agent = false;
  static double ms(std::int64_t ns) { return static_cast<double>(ns) / 1e6; }
};

TimeSplit split_time(std::int64_t start_ns, std::int64_t end_ns, const std::vector<CallRecord>& calls,
                     const std::vector<ToolSpan>& tool_spans = {});

}  // namespace agentrace::proxy
