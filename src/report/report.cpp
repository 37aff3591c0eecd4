#include "report/report.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "report/summary.hpp"
#include "report/table.hpp"

namespace agentrace::report {
namespace {

using nlohmann::json;

std::string seconds_text(double s) {
  if (s < 1) return fmt::format("{:.0f} ms", s * 1000);
  if (s < 100) return fmt::format("{:.2f} s", s);
  return fmt::format("{:.0f} s", s);
}

std::string failures_text(const std::map<std::string, int>& f) {
  std::string out;
  for (const auto& [k, v] : f) out += fmt::format("{}{} {}", out.empty() ? "" : ", ", k, v);
  return out.empty() ? "-" : out;
}

std::vector<Column<ContenderSummary>> contender_columns(bool with_model) {
  using S = ContenderSummary;
  std::vector<Column<S>> cols = {
      {"contender", "contender", [](const S& s) { return json(s.name); }, [](const S& s) { return s.name; }, false},
      {"scaffold", "scaffold", [](const S& s) { return json(s.scaffold); }, [](const S& s) { return s.scaffold; }, false},
  };
  if (with_model)
    cols.push_back({"model", "model", [](const S& s) { return json(s.model); }, [](const S& s) { return s.model; }, false});
  const std::vector<Column<S>> rest = {
      {"mean_grade", "grade (mean ± sd)", [](const S& s) { return s.graded ? json(s.mean_grade) : json(); },
       [](const S& s) { return s.graded ? fmt::format("{:.2f} ± {:.2f}", s.mean_grade, s.sd_grade) : "-"; }},
      {"sd_grade", "", [](const S& s) { return s.graded ? json(s.sd_grade) : json(); }, nullptr},
      {"miss", "Miss", [](const S& s) { return json(s.counts[0]); }, [](const S& s) { return std::to_string(s.counts[0]); }},
      {"basic", "Basic", [](const S& s) { return json(s.counts[1]); }, [](const S& s) { return std::to_string(s.counts[1]); }},
      {"solid", "Solid", [](const S& s) { return json(s.counts[2]); }, [](const S& s) { return std::to_string(s.counts[2]); }},
      {"complete", "Complete", [](const S& s) { return json(s.counts[3]); },
       [](const S& s) { return std::to_string(s.counts[3]); }},
      {"wall_median_s", "wall median [IQR]", [](const S& s) { return s.graded ? json(s.wall_median) : json(); },
       [](const S& s) {
         return s.graded ? fmt::format("{} [{} – {}]", seconds_text(s.wall_median), seconds_text(s.wall_p25),
                                       seconds_text(s.wall_p75))
                         : "-";
       }},
      {"wall_p25_s", "", [](const S& s) { return s.graded ? json(s.wall_p25) : json(); }, nullptr},
      {"wall_p75_s", "", [](const S& s) { return s.graded ? json(s.wall_p75) : json(); }, nullptr},
      {"setup_median_s", "set-up", [](const S& s) { return s.graded ? json(s.setup_median) : json(); },
       [](const S& s) { return s.graded ? seconds_text(s.setup_median) : "-"; }},
      {"attempts", "attempts", [](const S& s) { return json(s.attempts); },
       [](const S& s) { return s.pending ? fmt::format("{} (+{} pending)", s.attempts, s.pending) : std::to_string(s.attempts); }},
      {"failures", "failures", [](const S& s) { return json(s.failures); },
       [](const S& s) { return failures_text(s.failures); }, false},
  };
  cols.insert(cols.end(), rest.begin(), rest.end());
  return cols;
}

std::vector<Column<store::AttemptRecord>> attempt_columns() {
  using A = store::AttemptRecord;
  auto opt_grade = [](const A& a) { return a.grade ? json(*a.grade) : json(); };
  return {
      {"attempt", "attempt", [](const A& a) { return json(a.id); }, [](const A& a) { return a.id.substr(0, 12); }, false},
      {"task", "task", [](const A& a) { return json(a.task_id); }, [](const A& a) { return a.task_id; }, false},
      {"contender", "contender", [](const A& a) { return json(a.contender); }, [](const A& a) { return a.contender; }, false},
      {"repeat", "repeat", [](const A& a) { return json(a.repeat); }, [](const A& a) { return std::to_string(a.repeat); }},
      {"state", "state", [](const A& a) { return json(store::to_string(a.state)); },
       [](const A& a) { return store::to_string(a.state); }, false},
      {"grade", "grade", opt_grade,
       [](const A& a) { return a.grade ? fmt::format("{} {}", *a.grade, store::grade_name(*a.grade)) : "-"; }, false},
      {"grade_detail", "why", [](const A& a) { return json(a.grade_detail); }, [](const A& a) { return a.grade_detail; }, false},
      {"wall_s", "wall", [](const A& a) { return json(a.wall_s); }, [](const A& a) { return seconds_text(a.wall_s); }},
      {"setup_s", "set-up", [](const A& a) { return json(a.setup_s); }, [](const A& a) { return seconds_text(a.setup_s); }},
      {"grade_s", "grading", [](const A& a) { return json(a.grade_s); }, [](const A& a) { return seconds_text(a.grade_s); }},
      {"exit_code", "exit", [](const A& a) { return json(a.exit_code); }, [](const A& a) { return std::to_string(a.exit_code); }},
      {"failure", "failure", [](const A& a) { return json(store::to_string(a.failure)); },
       [](const A& a) { return a.failure == store::FailureClass::none ? "-" : store::to_string(a.failure); }, false},
      {"failure_detail", "", [](const A& a) { return json(a.failure_detail); }, nullptr},
      {"changed_files", "", [](const A& a) { return json(a.changed_files); }, nullptr},
      {"user_s", "", [](const A& a) { return json(a.user_s); }, nullptr},
      {"sys_s", "", [](const A& a) { return json(a.sys_s); }, nullptr},
      {"max_rss_kb", "", [](const A& a) { return json(a.max_rss_kb); }, nullptr},
      {"started_at", "", [](const A& a) { return json(a.started_at); }, nullptr},
  };
}

// Markdown shows only columns that have a header.
template <typename Row>
std::vector<Column<Row>> for_markdown(std::vector<Column<Row>> cols) {
  std::erase_if(cols, [](const auto& c) { return !c.text || c.header.empty(); });
  return cols;
}

std::string grade_matrix(const RaceSummary& rs) {
  std::vector<std::string> headers = {"task"};
  std::vector<bool> right = {false};
  for (const auto& c : rs.contenders) {
    headers.push_back(c.name);
    right.push_back(false);
  }
  std::vector<std::vector<std::string>> cells;
  for (const auto& t : rs.tasks) {
    std::vector<std::string> row = {t.task_id};
    for (const auto& c : rs.contenders) {
      std::string cell;
      auto it = t.grades.find(c.name);
      if (it != t.grades.end()) {
        for (int g : it->second) cell += (cell.empty() ? "" : " ") + (g < 0 ? std::string("·") : std::to_string(g));
      }
      row.push_back(cell.empty() ? "-" : cell);
    }
    cells.push_back(std::move(row));
  }
  return markdown_from_cells(headers, right, cells);
}

std::string footer(const store::RaceRow& race) {
  const auto host = json::parse(race.host_json.empty() ? "{}" : race.host_json, nullptr, false);
  std::vector<std::string> parts;
  if (host.is_object()) {
    for (const char* key : {"agentrace", "host", "cpu", "cores", "kernel", "bwrap", "git"}) {
      if (host.contains(key)) parts.push_back(fmt::format("{} {}", key, host[key].is_string() ? host[key].get<std::string>() : host[key].dump()));
    }
  }
  parts.push_back("race " + race.id);
  parts.push_back("started " + race.created_at);
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : " · ") + p;
  return out;
}

std::string render_markdown(const store::RaceRow& race, const RaceSummary& rs, int tasks, int repeats) {
  std::string out = fmt::format("# agentrace: {}\n\n", race.name);
  out += fmt::format("Suite `{}` ({} tasks) · {} contenders · {} repeat{} · sandbox {} · {} attempts ({} finished{})\n\n",
                     race.suite_name, tasks, rs.contenders.size(), repeats, repeats == 1 ? "" : "s", race.sandbox,
                     rs.attempts, rs.finished, rs.pending ? fmt::format(", {} pending", rs.pending) : "");
  if (race.sandbox == "none") out += "**Unsandboxed:** attempts ran without bubblewrap (`--sandbox none`).\n\n";
  bool with_model = false;
  for (const auto& c : rs.contenders) with_model = with_model || !c.model.empty();
  out += "## Contenders\n\n" + markdown_table(for_markdown(contender_columns(with_model)), rs.contenders) + "\n";
  if (!rs.failures.empty()) {
    out += "## Failures by class\n\n";
    std::vector<std::vector<std::string>> cells;
    for (const auto& [k, v] : rs.failures) cells.push_back({k, std::to_string(v)});
    out += markdown_from_cells({"class", "attempts"}, {false, true}, cells) + "\n";
  }
  out += "## Grades per task\n\nOne digit per repeat: 0 Miss, 1 Basic, 2 Solid, 3 Complete; · = not graded.\n\n";
  out += grade_matrix(rs) + "\n";
  out += "Grades are automatic (hidden test tiers, docs/grading.md). Wall-clock runs from the agent's start to its "
         "exit, without workspace set-up and grading; median [25th – 75th percentile] over graded attempts.\n\n";
  out += "---\n" + footer(race) + "\n";
  return out;
}

}  // namespace

Format parse_format(const std::string& s) {
  if (s == "markdown" || s == "md") return Format::markdown;
  if (s == "json") return Format::json;
  if (s == "csv") return Format::csv;
  throw core::UsageError(fmt::format("--format {}: use markdown, json or csv", s));
}

std::string render(store::Store& db, const store::RaceRow& race, const ReportOptions& opts) {
  const auto contenders = db.contenders(race.id);
  const auto attempts = db.attempts(race.id);
  const auto rs = summarize(contenders, attempts);
  const auto spec = json::parse(race.spec_json.empty() ? "{}" : race.spec_json, nullptr, false);
  const int repeats = spec.is_object() ? spec.value("repeats", 1) : 1;
  const int tasks = static_cast<int>(db.tasks(race.id).size());
  bool with_model = false;
  for (const auto& c : rs.contenders) with_model = with_model || !c.model.empty();

  if (opts.attempts) {
    const auto cols = attempt_columns();
    if (opts.format == Format::csv) return csv_table(cols, attempts);
    if (opts.format == Format::json) return json_rows(cols, attempts).dump(2) + "\n";
    return markdown_table(for_markdown(cols), attempts);
  }
  const auto cols = contender_columns(with_model);
  if (opts.format == Format::csv) return csv_table(cols, rs.contenders);
  if (opts.format == Format::json) {
    json j;
    j["race"] = {{"id", race.id}, {"name", race.name}, {"suite", race.suite_name}, {"sandbox", race.sandbox},
                 {"created_at", race.created_at}, {"tasks", tasks}, {"repeats", repeats}};
    j["host"] = json::parse(race.host_json.empty() ? "{}" : race.host_json, nullptr, false);
    j["contenders"] = json_rows(cols, rs.contenders);
    j["failures"] = rs.failures;
    json matrix = json::object();
    for (const auto& t : rs.tasks) matrix[t.task_id] = t.grades;
    j["grades"] = matrix;
    return j.dump(2) + "\n";
  }
  return render_markdown(race, rs, tasks, repeats);
}

}  // namespace agentrace::report
