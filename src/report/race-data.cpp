#include "report/race-data.hpp"

#include <fmt/format.h>

namespace agentrace::report {

std::string context_line(const store::RaceRow& race) {
  const auto& h = race.host;
  std::vector<std::string> parts;
  const auto add = [&](const char* key, const auto& value) {
    if (value) parts.push_back(fmt::format("{} {}", key, *value));
  };
  add("agentrace", h.agentrace);
  add("host", h.host);
  add("cpu", h.cpu);
  add("cores", h.cores);
  add("kernel", h.kernel);
  add("bwrap", h.bwrap);
  parts.push_back("race " + race.id);
  parts.push_back("started " + race.created_at);
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : " · ") + p;
  return out;
}

namespace {

// The same server whether or not the URL ends in /v1 or a slash.
std::string server_of(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (url.size() >= 3 && url.compare(url.size() - 3, 3, "/v1") == 0) url.resize(url.size() - 3);
  return url;
}

std::vector<SpeedRun> load_speed(store::Store& db, const std::vector<store::ContenderRow>& contenders) {
  std::vector<SpeedRun> out;
  for (auto& run : db.speed_runs()) {
    SpeedRun s{run, {}, {}};
    for (const auto& row : db.speed_cases(run.id)) s.cases.push_back(row.figures);
    for (const auto& c : contenders) {
      const auto& e = c.config.endpoint;
      if (e && !e->url.empty() && server_of(e->url) == server_of(run.endpoint)) s.contenders.push_back(c.name);
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

RaceData load_race(store::Store& db, const store::RaceRow& race) {
  RaceData d;
  d.race = race;
  d.contenders = db.contenders(race.id);
  d.tasks = db.tasks(race.id);
  d.attempts = db.attempts(race.id);
  d.outcomes = db.outcomes(race.id);
  d.calls = db.call_summaries(race.id);
  d.summary = summarize(d.contenders, d.attempts, d.calls);
  d.speed = load_speed(db, d.contenders);
  d.simulated = is_simulated(race, d.contenders);
  d.summary.simulated = d.simulated;
  d.context = context_line(race);
  d.repeats = race.spec.repeats;
  return d;
}

}  // namespace agentrace::report
