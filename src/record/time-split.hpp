#pragma once
// Where an attempt's wall-clock went, in seconds, as kept with the attempt: the proxy's
// split (proxy/time-split.hpp, which says how each part is measured) plus the set-up.
#include <cstddef>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace agentrace::record {

struct TimeSplit {
  double wall_s = 0, model_s = 0, tool_s = 0, scaffold_s = 0;  // model + tool + scaffold = wall
  double network_s = 0;                                        // part of model_s
  double setup_s = 0;                                          // before the agent started
  int calls = 0;
  std::optional<int> server_timed_calls;  // empty in splits stored before it was kept
  bool tools_from_agent = false;          // tool time from the agent's own spans
  std::string rusage_note;                // why the agent's rusage file was not used
  // From the start to the first call and from the last call to the end (with calls).
  std::optional<double> before_first_call_s, after_last_call_s;
};

void to_json(nlohmann::json& j, const TimeSplit& t);
// model_s is required (a split without it is not one); the rest default when absent.
void from_json(const nlohmann::json& j, TimeSplit& t);

}  // namespace agentrace::record
