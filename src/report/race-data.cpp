#include "report/race-data.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace agentrace::report {

std::string context_line(const store::RaceRow& race) {
  const nlohmann::json host = race.host;
  std::vector<std::string> parts;
  for (const char* key : {"agentrace", "host", "cpu", "cores", "kernel", "bwrap"}) {
    if (host.contains(key)) parts.push_back(fmt::format("{} {}", key, host[key].is_string() ? host[key].get<std::string>() : host[key].dump()));
  }
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

SpeedCase speed_case(const store::SpeedCaseRow& row) {
  const auto j = parse_object(row.result_json);
  const auto number = [&](const char* key) {
    return j.contains(key) && j[key].is_number() ? std::optional(j[key].get<double>()) : std::nullopt;
  };
  return {row.prompt_tokens,           row.output_tokens,           row.concurrency,
          row.rate,                    number("ttft_ms_median"),    number("decode_tps_median"),
          number("output_tps_mean"),   j.value("ok", 0),            j.value("requests", 0)};
}

std::vector<SpeedRun> load_speed(store::Store& db, const std::vector<store::ContenderRow>& contenders) {
  std::vector<SpeedRun> out;
  for (auto& run : db.speed_runs()) {
    SpeedRun s{run, {}, {}};
    for (const auto& row : db.speed_cases(run.id)) s.cases.push_back(speed_case(row));
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
