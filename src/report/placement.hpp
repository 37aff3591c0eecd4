#pragma once
// Where a race's attempts ran (host, batch job) and what running them in parallel gained:
// the race's wall-clock (first start to last end) against the sum of its attempts' times
// (start to end, grading included). Shown when attempts ran on more than one host or in
// batch jobs (a sharded race); a race on one machine without a job leaves it out.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/records.hpp"

namespace agentrace::report {

struct Placement {
  std::string host, job;
  int attempts = 0;
  double attempt_s = 0;  // sum of the attempts' start-to-end times
};

struct PlacementSummary {
  std::vector<Placement> places;  // by host, then job
  double wall_s = 0;              // first start to last end of the finished attempts
  double attempt_s = 0;           // sum over them
  double speedup() const { return wall_s > 0 ? attempt_s / wall_s : 0; }
};

// Empty places when the race is not sharded.
PlacementSummary placement(const std::vector<store::AttemptRecord>& attempts);
std::string placement_section(const PlacementSummary& p);  // markdown, "" when empty
nlohmann::json placement_json(const PlacementSummary& p);   // null when empty

}  // namespace agentrace::report
