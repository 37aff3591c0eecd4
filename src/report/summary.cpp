#include "report/summary.hpp"

#include <nlohmann/json.hpp>

#include "core/stats.hpp"

namespace agentrace::report {

RaceSummary summarize(const std::vector<store::ContenderRow>& contenders,
                      const std::vector<store::AttemptRecord>& attempts) {
  RaceSummary rs;
  std::map<std::string, std::size_t> index;
  for (const auto& c : contenders) {
    ContenderSummary s;
    s.name = c.name;
    s.scaffold = c.scaffold;
    const auto cfg = nlohmann::json::parse(c.config_json.empty() ? "{}" : c.config_json, nullptr, false);
    if (cfg.is_object()) s.model = cfg.value("model", "");
    index[c.name] = rs.contenders.size();
    rs.contenders.push_back(std::move(s));
  }
  std::map<std::string, std::vector<double>> grades, walls, setups;
  std::map<std::string, TaskRowSummary> tasks;
  for (const auto& a : attempts) {
    if (!index.count(a.contender)) continue;
    auto& s = rs.contenders[index[a.contender]];
    ++rs.attempts;
    auto& cell = tasks[a.task_id].grades[a.contender];
    if (cell.size() <= static_cast<std::size_t>(a.repeat)) cell.resize(static_cast<std::size_t>(a.repeat) + 1, -1);
    if (a.state == store::AttemptState::planned || a.state == store::AttemptState::running) {
      ++s.pending;
      ++rs.pending;
      continue;
    }
    ++rs.finished;
    ++s.attempts;
    if (a.failure != store::FailureClass::none) {
      ++s.failures[store::to_string(a.failure)];
      ++rs.failures[store::to_string(a.failure)];
    }
    if (a.state == store::AttemptState::infra_error) {
      ++s.infra_errors;
      continue;
    }
    if (a.grade) {
      ++s.graded;
      ++s.counts[static_cast<std::size_t>(*a.grade)];
      grades[a.contender].push_back(*a.grade);
      walls[a.contender].push_back(a.wall_s);
      setups[a.contender].push_back(a.setup_s);
      cell[static_cast<std::size_t>(a.repeat)] = *a.grade;
    }
  }
  for (auto& s : rs.contenders) {
    s.mean_grade = core::mean(grades[s.name]);
    s.sd_grade = core::stddev(grades[s.name]);
    const auto w = core::summarize(walls[s.name]);
    s.wall_median = w.median;
    s.wall_p25 = w.p25;
    s.wall_p75 = w.p75;
    s.setup_median = core::median(setups[s.name]);
  }
  for (auto& [id, t] : tasks) {
    t.task_id = id;
    rs.tasks.push_back(t);
  }
  return rs;
}

}  // namespace agentrace::report
