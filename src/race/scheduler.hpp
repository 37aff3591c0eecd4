#pragma once
// Runs the planned attempts of a race with N workers, writes each finished attempt to
// the store at once, and shows progress (done/total, failures, ETA) on stderr when it
// is a terminal. Each attempt is claimed in the store first, so several processes on
// one race and store share its attempts and none runs twice. Throws core::InfraError
// when the store fails (attempts stored before stay).
#include <map>
#include <string>
#include <vector>

#include "race/attempt.hpp"
#include "race/race-spec.hpp"
#include "store/store.hpp"

namespace agentrace::race {

struct RunSummary {
  int planned = 0;       // attempts in the race
  int skipped = 0;       // already finished before this run (resume)
  int ran = 0;           // finished in this run
  int elsewhere = 0;     // finished or running in other processes meanwhile
  int failures = 0;      // of those, attempts with a failure class
  int infra_errors = 0;
  std::map<std::string, int> infra_classes;  // failure class name -> attempts
  bool cancelled = false;
  double seconds = 0;
};

RunSummary run_race(const RaceSpec& spec, const suite::Suite& suite, const std::string& race_id,
                    store::Store& db, const AttemptEnv& env);

}  // namespace agentrace::race
