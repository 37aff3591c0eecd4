#pragma once
// A race as planned and kept in the store: what the report shows of it and what tells
// whether its results are simulated.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "record/contender.hpp"

namespace agentrace::record {

// An LLM judge for the race's attempts (docs/grading.md).
struct Judge {
  std::string model;
  EndpointConfig endpoint;
};

struct Race {
  std::string name;
  std::string suite;                    // the suite's folder
  std::vector<std::string> tasks;       // the task filter (empty = every task)
  int repeats = 1;
  int jobs = 1;
  std::string sandbox = "bwrap";
  std::optional<int> agent_seconds;     // race-wide limit
  std::optional<Judge> judge;
  std::vector<ContenderConfig> contenders;
  // Any endpoint of a contender or of the judge is simulated, or a contender is labelled so.
  bool simulated() const;
};

// The judge is kept as {model, url, protocol, sim, simulated}: never its key variable.
void to_json(nlohmann::json& j, const Judge& judge);
void from_json(const nlohmann::json& j, Judge& judge);
void to_json(nlohmann::json& j, const Race& r);
void from_json(const nlohmann::json& j, Race& r);

}  // namespace agentrace::record
