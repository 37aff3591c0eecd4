#include "record/agent-report.hpp"

#include <cmath>

#include "core/json-fields.hpp"

namespace agentrace::record {

using core::expect_object;
using core::read;
using core::write;
namespace {

nlohmann::json tool_json(const ToolRun& t) {
  nlohmann::json x = {{"name", t.name}};
  if (t.timed()) x["duration_s"] = static_cast<double>(t.span->ns()) / 1e9;
  write(x, "exit_code", t.exit_code);
  if (t.error) x["error"] = true;
  return x;
}

ToolRun tool_from_json(const nlohmann::json& x) {
  expect_object(x, "tool");
  ToolRun t;
  read(x, "name", t.name);
  std::optional<double> seconds;
  read(x, "duration_s", seconds);
  if (seconds) t.span = Span{0, std::llround(*seconds * 1e9)};
  read(x, "exit_code", t.exit_code);
  read(x, "error", t.error);
  return t;
}

}  // namespace

void to_json(nlohmann::json& j, const AgentReport& r) {
  j = nlohmann::json::object();
  write(j, "turns", r.turns);
  write(j, "tool_calls", r.tool_calls);
  write(j, "input_tokens", r.input_tokens);
  write(j, "output_tokens", r.output_tokens);
  write(j, "own_duration_s", r.own_duration_s);
  if (r.reported_error) j["reported_error"] = true;
  if (!r.error_message.empty()) j["error_message"] = r.error_message;
  if (!r.stop_reason.empty()) j["stop_reason"] = r.stop_reason;
  if (!r.tools.empty()) {
    auto& list = j["tools"] = nlohmann::json::array();
    for (const auto& t : r.tools) list.push_back(tool_json(t));
    if (!r.tool_times.empty()) j["tool_times"] = r.tool_times;
  }
  if (!r.version.empty()) j["version"] = r.version;
}

void from_json(const nlohmann::json& j, AgentReport& r) {
  expect_object(j, "agent report");
  r = {};
  read(j, "turns", r.turns);
  read(j, "tool_calls", r.tool_calls);
  read(j, "input_tokens", r.input_tokens);
  read(j, "output_tokens", r.output_tokens);
  read(j, "own_duration_s", r.own_duration_s);
  read(j, "reported_error", r.reported_error);
  read(j, "error_message", r.error_message);
  read(j, "stop_reason", r.stop_reason);
  if (const auto it = j.find("tools"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) throw std::invalid_argument("agent report: tools must be an array");
    for (const auto& x : *it) r.tools.push_back(tool_from_json(x));
  }
  read(j, "tool_times", r.tool_times);
  read(j, "version", r.version);
}

}  // namespace agentrace::record
