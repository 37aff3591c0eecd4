#pragma once
// What an agent said about its own run, read from its machine output by its scaffold
// adapter, and kept with the attempt.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace agentrace::record {

// A time span on the monotonic clock (core::mono_ns). Any value is a time, negative ones
// included: a wall-clock time from before the machine booted maps below zero.
struct Span {
  std::int64_t start_ns = 0, end_ns = 0;
  std::int64_t ns() const { return end_ns - start_ns; }
};

// One tool execution the agent reported.
struct ToolRun {
  std::string name;
  std::optional<Span> span;      // when the agent's output gives both ends
  std::optional<int> exit_code;  // shell tools, where the agent reports it
  bool error = false;            // the agent marked the result as an error
  bool timed() const { return span && span->end_ns >= span->start_ns; }
};

struct AgentReport {
  std::optional<int> turns;
  std::optional<int> tool_calls;
  std::optional<long> input_tokens, output_tokens;
  std::optional<double> own_duration_s;
  bool reported_error = false;
  std::string error_message;
  std::string stop_reason;  // why the agent stopped, in its own words (end_turn, max_turns, ...)
  // Tool executions in order; the timed ones split the wall-clock into tool and scaffold time.
  std::vector<ToolRun> tools;
  std::string tool_times;  // where the times come from: "agent" (its own), "output lines", ""
  std::string version;     // the agent's version, when it says
};

// Only what the agent said is written (absent fields are left out). A tool's span is kept
// as its duration_s: read back, the span starts at 0.
void to_json(nlohmann::json& j, const ToolRun& t);
void from_json(const nlohmann::json& j, ToolRun& t);
void to_json(nlohmann::json& j, const AgentReport& r);
void from_json(const nlohmann::json& j, AgentReport& r);

}  // namespace agentrace::record
