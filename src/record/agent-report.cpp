#include "record/agent-report.hpp"

#include <cmath>

#include "core/json-fields.hpp"

namespace agentrace::record {

using core::Rule;

// A tool's span is kept as its duration; read back, the span starts at 0.
template <class V>
void fields(V& v, ToolRun& t) {
  v("name", t.name);
  std::optional<double> seconds;
  if (t.timed()) seconds = static_cast<double>(t.span->ns()) / 1e9;
  v("duration_s", seconds);
  if constexpr (!V::writing) {
    if (seconds) t.span = Span{0, std::llround(*seconds * 1e9)};
  }
  v("exit_code", t.exit_code);
  v("error", t.error, Rule::omit_empty);
}

// Only what the agent said: empty fields are left out; tool_times only with tools.
template <class V>
void fields(V& v, AgentReport& r) {
  v("turns", r.turns);
  v("tool_calls", r.tool_calls);
  v("input_tokens", r.input_tokens);
  v("output_tokens", r.output_tokens);
  v("own_duration_s", r.own_duration_s);
  v("reported_error", r.reported_error, Rule::omit_empty);
  v("error_message", r.error_message, Rule::omit_empty);
  v("stop_reason", r.stop_reason, Rule::omit_empty);
  v("tools", r.tools, Rule::omit_empty);
  if (!V::writing || !r.tools.empty()) v("tool_times", r.tool_times, Rule::omit_empty);
  v("version", r.version, Rule::omit_empty);
}

void to_json(nlohmann::json& j, const ToolRun& t) { core::write_fields(j, t); }
void from_json(const nlohmann::json& j, ToolRun& t) { core::read_fields(j, t, "tool"); }
void to_json(nlohmann::json& j, const AgentReport& r) { core::write_fields(j, r); }
void from_json(const nlohmann::json& j, AgentReport& r) { core::read_fields(j, r, "agent report"); }

}  // namespace agentrace::record
