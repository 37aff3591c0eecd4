#pragma once
// Aggregates computed at report time from the raw attempt records.
#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store/records.hpp"

namespace agentrace::report {

struct ContenderSummary {
  std::string name;
  std::string scaffold;
  std::string model;
  int attempts = 0;          // finished (done or timed out) + infra errors
  int graded = 0;
  double mean_grade = 0;     // over graded attempts
  double sd_grade = 0;
  std::array<int, 4> counts{};  // Miss, Basic, Solid, Complete
  double wall_median = 0, wall_p25 = 0, wall_p75 = 0;  // seconds, graded attempts
  double setup_median = 0;
  std::map<std::string, int> failures;  // class -> count
  int infra_errors = 0;
  int pending = 0;           // planned or running (not finished yet)
};

struct TaskRowSummary {
  std::string task_id;
  std::map<std::string, std::vector<int>> grades;  // contender -> grades by repeat (-1 = none)
};

struct RaceSummary {
  std::vector<ContenderSummary> contenders;  // in race-file order
  std::vector<TaskRowSummary> tasks;         // by task id
  std::map<std::string, int> failures;       // over the race
  int attempts = 0, finished = 0, pending = 0;
};

RaceSummary summarize(const std::vector<store::ContenderRow>& contenders,
                      const std::vector<store::AttemptRecord>& attempts);

}  // namespace agentrace::report
