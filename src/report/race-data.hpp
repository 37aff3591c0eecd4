#pragma once
// Everything a report reads from the store for one race, loaded once, with the summary
// computed from it. The printers and the site work from this.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "report/summary.hpp"
#include "store/store.hpp"

namespace agentrace::report {

using SpeedCase = record::SpeedCase;

// An endpoint speed run (`agentrace speed`) kept in the same store: what the endpoints
// the contenders used run at.
struct SpeedRun {
  store::SpeedRunRow run;
  std::vector<SpeedCase> cases;
  std::vector<std::string> contenders;  // whose endpoint url is the run's
};

struct RaceData {
  store::RaceRow race;
  std::vector<store::ContenderRow> contenders;
  std::vector<store::TaskRow> tasks;
  std::vector<store::AttemptRecord> attempts;
  std::vector<store::TestOutcome> outcomes;
  std::vector<store::CallRow> calls;  // by attempt, then sequence; without record_json
  std::vector<SpeedRun> speed;        // every speed run in the store, oldest first
  RaceSummary summary;
  bool simulated = false;
  int repeats = 1;
  std::string context;  // context_line(race)
};

RaceData load_race(store::Store& db, const store::RaceRow& race);

// "agentrace 0.1.0 · host ... · race <id> · started <time>": what the figures depend on.
std::string context_line(const store::RaceRow& race);

}  // namespace agentrace::report
