#include "record/race.hpp"

#include <algorithm>

#include "core/json-fields.hpp"

namespace agentrace::record {


bool Race::simulated() const {
  if (judge && judge->endpoint.simulated()) return true;
  return std::any_of(contenders.begin(), contenders.end(), [](const ContenderConfig& c) { return is_simulated(c); });
}

// The judge's endpoint is kept flat, beside its model.
template <class V>
void fields(V& v, Judge& judge) {
  v("model", judge.model);
  v("url", judge.endpoint.url);
  v("protocol", judge.endpoint.protocol);
  v("sim", judge.endpoint.sim);
  v.computed("simulated", judge.endpoint.simulated());
}

template <class V>
void fields(V& v, Race& r) {
  v("name", r.name);
  v("suite", r.suite);
  v("tasks", r.tasks);
  v("repeats", r.repeats);
  v("jobs", r.jobs);
  v("sandbox", r.sandbox);
  v("agent_seconds", r.agent_seconds);
  v("judge", r.judge);
  v("contenders", r.contenders);
}

void to_json(nlohmann::json& j, const Judge& judge) { core::write_fields(j, judge); }
void from_json(const nlohmann::json& j, Judge& judge) { core::read_fields(j, judge, "judge"); }
void to_json(nlohmann::json& j, const Race& r) { core::write_fields(j, r); }
void from_json(const nlohmann::json& j, Race& r) { core::read_fields(j, r, "race"); }

}  // namespace agentrace::record
