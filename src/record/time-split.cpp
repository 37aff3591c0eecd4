#include "record/time-split.hpp"

#include "core/json-fields.hpp"

namespace agentrace::record {

using core::Rule;

// model_s is required: an object without it is not a time split.
template <class V>
void fields(V& v, TimeSplit& t) {
  v("wall_s", t.wall_s);
  v("model_s", t.model_s, Rule::required);
  v("tool_s", t.tool_s);
  v("scaffold_s", t.scaffold_s);
  v("network_s", t.network_s);
  v("setup_s", t.setup_s);
  v("calls", t.calls);
  v("server_timed_calls", t.server_timed_calls);
  v("tools_from_agent", t.tools_from_agent);
  v("rusage_note", t.rusage_note, Rule::omit_empty);
  v("before_first_call_s", t.before_first_call_s);
  v("after_last_call_s", t.after_last_call_s);
}

void to_json(nlohmann::json& j, const TimeSplit& t) { core::write_fields(j, t); }
void from_json(const nlohmann::json& j, TimeSplit& t) { core::read_fields(j, t, "time split"); }

}  // namespace agentrace::record
