#include "record/time-split.hpp"

#include "core/json-fields.hpp"

namespace agentrace::record {

using core::expect_object;
using core::read;
using core::write;

void to_json(nlohmann::json& j, const TimeSplit& t) {
  j = {{"wall_s", t.wall_s},         {"model_s", t.model_s}, {"tool_s", t.tool_s},
       {"scaffold_s", t.scaffold_s}, {"network_s", t.network_s}, {"setup_s", t.setup_s},
       {"calls", t.calls},           {"tools_from_agent", t.tools_from_agent}};
  write(j, "server_timed_calls", t.server_timed_calls);
  if (!t.rusage_note.empty()) j["rusage_note"] = t.rusage_note;
  write(j, "before_first_call_s", t.before_first_call_s);
  write(j, "after_last_call_s", t.after_last_call_s);
}

void from_json(const nlohmann::json& j, TimeSplit& t) {
  expect_object(j, "time split");
  t = {};
  j.at("model_s").get_to(t.model_s);
  read(j, "wall_s", t.wall_s);
  read(j, "tool_s", t.tool_s);
  read(j, "scaffold_s", t.scaffold_s);
  read(j, "network_s", t.network_s);
  read(j, "setup_s", t.setup_s);
  read(j, "calls", t.calls);
  read(j, "server_timed_calls", t.server_timed_calls);
  read(j, "tools_from_agent", t.tools_from_agent);
  read(j, "rusage_note", t.rusage_note);
  read(j, "before_first_call_s", t.before_first_call_s);
  read(j, "after_last_call_s", t.after_last_call_s);
}

}  // namespace agentrace::record
