#include "record/race.hpp"

#include <algorithm>

#include "core/json-fields.hpp"

namespace agentrace::record {

using core::expect_object;
using core::read;
using core::write;

bool Race::simulated() const {
  if (judge && judge->endpoint.simulated()) return true;
  return std::any_of(contenders.begin(), contenders.end(), [](const ContenderConfig& c) { return is_simulated(c); });
}

void to_json(nlohmann::json& j, const Judge& judge) {
  const auto& e = judge.endpoint;
  j = {{"model", judge.model}, {"url", e.url}, {"protocol", e.protocol}, {"sim", e.sim}, {"simulated", e.simulated()}};
}

void from_json(const nlohmann::json& j, Judge& judge) {
  expect_object(j, "judge");
  judge = {};
  read(j, "model", judge.model);
  read(j, "url", judge.endpoint.url);
  read(j, "protocol", judge.endpoint.protocol);
  read(j, "sim", judge.endpoint.sim);
}

void to_json(nlohmann::json& j, const Race& r) {
  j = {{"name", r.name}, {"suite", r.suite}, {"tasks", r.tasks}, {"repeats", r.repeats},
       {"jobs", r.jobs}, {"sandbox", r.sandbox}, {"contenders", r.contenders}};
  write(j, "agent_seconds", r.agent_seconds);
  write(j, "judge", r.judge);
}

void from_json(const nlohmann::json& j, Race& r) {
  expect_object(j, "race");
  r = {};
  read(j, "name", r.name);
  read(j, "suite", r.suite);
  read(j, "tasks", r.tasks);
  read(j, "repeats", r.repeats);
  read(j, "jobs", r.jobs);
  read(j, "sandbox", r.sandbox);
  read(j, "agent_seconds", r.agent_seconds);
  read(j, "judge", r.judge);
  read(j, "contenders", r.contenders);
}

}  // namespace agentrace::record
