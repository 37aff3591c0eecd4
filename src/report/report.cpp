#include "report/report.hpp"

#include "report/placement.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "render/table.hpp"
#include "report/columns.hpp"
#include "report/race-data.hpp"
#include "report/sentences.hpp"
#include "report/summary.hpp"

namespace agentrace::report {
namespace {

using nlohmann::json;

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
  return render::markdown_from_cells(headers, right, cells);
}

std::string front_text(const RaceSummary& rs) {
  if (rs.front.empty()) return "";
  std::string names;
  for (const auto& n : rs.front) names += (names.empty() ? "" : " → ") + n;
  return fmt::format("Pareto front of quality vs speed (fastest first; no other contender has both a higher mean "
                     "grade and a lower median wall-clock{}): {}\n\n",
                     rs.front_leaves_out_references ? "; the oracle and nop references are left out" : "", names);
}

template <typename Row>
std::string section(std::string_view title, std::string_view intro, const std::vector<render::Column<Row>>& cols,
                    const std::vector<Row>& rows) {
  return fmt::format("## {}\n\n{}\n\n{}\n", title, intro, render::markdown_table(render::for_markdown(cols), rows));
}

std::string optional_sections(const RaceData& d, const ContenderSections& cols) {
  const auto& rs = d.summary;
  std::string out;
  if (any_split(rs))
    out += section("Where the time went",
                   any_network_lower_bound(rs) ? fmt::format("{} {}", sentence::kTimeSplit, sentence::kNetworkLowerBound)
                                               : std::string(sentence::kTimeSplit),
                   cols.time_split, rs.contenders);
  if (any_effort(rs)) out += section("Turns, tokens and cost", sentence::kEffort, cols.effort, rs.contenders);
  if (any_repeats(rs)) out += section("Consistency across repeats", sentence::kConsistency, cols.consistency, rs.contenders);
  if (!rs.budgets.empty()) out += section("Score vs wall-clock budget", sentence::kBudget, cols.budget, rs.contenders);
  return out;
}

std::string comparison_section(const RaceData& d) {
  const auto groups = scaffold_controls(d.summary);
  if (groups.empty()) return "";
  std::string out = fmt::format("## Same model, different scaffolds\n\n{}\n\n", sentence::kComparison);
  for (const auto& g : groups)
    out += fmt::format("`{}` on `{}`:\n\n{}\n", g.model, g.endpoint,
                       render::markdown_table(render::for_markdown(comparison_columns()), g.contenders));
  return out;
}

std::string speed_title(const SpeedRun& s) {
  const auto& r = s.run;
  return fmt::format("`{}` ({}{}{}) on {}{}", r.endpoint, r.protocol,
                     r.model.empty() ? "" : fmt::format(", model `{}`", r.model), r.simulated ? ", simulated" : "",
                     r.started_at, s.contenders.empty() ? "" : fmt::format("; used by {}", fmt::join(s.contenders, ", ")));
}

std::string speed_section(const RaceData& d) {
  if (d.speed.empty()) return "";
  std::string out = fmt::format("## What the endpoints run at\n\n{}\n\n", sentence::kSpeedRuns);
  for (const auto& s : d.speed)
    out += fmt::format("{}:\n\n{}\n", speed_title(s),
                       render::markdown_table(render::for_markdown(speed_case_columns()), s.cases));
  return out;
}

std::string agreement_section(const RaceSummary& rs) {
  std::string out = fmt::format("## Grade sources and agreement\n\n{} Final grades here: {}.\n\n", sentence::kFinalGrade,
                                final_sources_text(rs));
  if (rs.agreement.empty()) return out;
  out += fmt::format("{}\n\n", sentence::kAgreement);
  out += render::markdown_table(render::for_markdown(agreement_columns()), rs.agreement) + "\n";
  for (const auto& a : rs.agreement) {
    const auto t = confusion_table(a);
    std::vector<bool> right(t.headers.size(), true);
    right[0] = false;
    out += fmt::format("Attempts by grade, {} (rows) vs {} (columns):\n\n", a.first, a.second) +
           render::markdown_from_cells(t.headers, right, t.cells) + "\n";
  }
  return out;
}

std::string tampered_section(const RaceSummary& rs) {
  if (rs.tampered.empty()) return "";
  return section("Tampered attempts", sentence::kTampered, tampered_columns(), rs.tampered);
}

std::string render_markdown(const RaceData& d) {
  const auto& race = d.race;
  const auto& rs = d.summary;
  std::string out = fmt::format("# agentrace: {}{}\n\n", race.name, d.simulated ? " (simulated endpoint)" : "");
  if (d.simulated)
    out += "**Simulated endpoint:** the model answers came from agentrace's simulated endpoint, not a real model; "
           "the figures test the pipeline, not a model.\n\n";
  out += fmt::format("Suite `{}` ({} tasks) · {} contenders · {} repeat{} · sandbox {} · {} attempts ({} finished{})\n\n",
                     race.suite_name, d.tasks.size(), rs.contenders.size(), d.repeats, d.repeats == 1 ? "" : "s",
                     race.sandbox, rs.attempts, rs.finished, rs.pending ? fmt::format(", {} pending", rs.pending) : "");
  if (race.sandbox == "none") out += "**Unsandboxed:** attempts ran without bubblewrap (`--sandbox none`).\n\n";
  const auto cols = contender_sections(rs);
  out += "## Contenders\n\n" + render::markdown_table(render::for_markdown(cols.leaderboard), rs.contenders) + "\n";
  out += fmt::format("{}\n\n{}", sentence::kConfidence, front_text(rs));
  out += optional_sections(d, cols);
  out += comparison_section(d);
  out += speed_section(d);
  out += placement_section(placement(d.attempts));
  if (!rs.failures.empty()) {
    out += "## Failures by class\n\n";
    std::vector<std::vector<std::string>> cells;
    for (const auto& [k, v] : rs.failures) cells.push_back({k, std::to_string(v)});
    out += render::markdown_from_cells({"class", "attempts"}, {false, true}, cells) + "\n";
  }
  out += tampered_section(rs);
  out += "## Grades per task\n\nOne digit per repeat: 0 Miss, 1 Basic, 2 Solid, 3 Complete; · = not graded.\n\n";
  out += grade_matrix(rs) + "\n";
  out += agreement_section(rs);
  out += fmt::format("{}\n\n", sentence::kWallClock);
  out += "---\n" + d.context + "\n";
  return out;
}

json budget_json(const RaceSummary& rs) {
  json curves = json::object();
  for (const auto& c : rs.contenders) {
    json steps = json::array();
    for (const auto& s : c.budget_curve) steps.push_back({{"t", s.t}, {"share", s.share}});
    curves[c.name] = steps;
  }
  return curves;
}

json comparisons_json(const RaceData& d) {
  json out = json::array();
  for (const auto& g : scaffold_controls(d.summary))
    out.push_back({{"model", g.model}, {"endpoint", g.endpoint},
                   {"contenders", render::json_rows(comparison_columns(), g.contenders)}});
  return out;
}

json speed_runs_json(const RaceData& d) {
  json out = json::array();
  for (const auto& s : d.speed) {
    const auto& r = s.run;
    out.push_back({{"id", r.id}, {"endpoint", r.endpoint}, {"protocol", r.protocol}, {"model", r.model},
                   {"simulated", r.simulated}, {"started_at", r.started_at}, {"used_by", s.contenders},
                   {"cases", render::json_rows(speed_case_columns(), s.cases)}});
  }
  return out;
}

std::string render_json(const RaceData& d) {
  const auto& race = d.race;
  const auto& rs = d.summary;
  json j;
  j["race"] = {{"id", race.id},       {"name", race.name},   {"suite", race.suite_name},
               {"sandbox", race.sandbox}, {"created_at", race.created_at}, {"tasks", d.tasks.size()},
               {"repeats", d.repeats}, {"simulated", d.simulated}};
  j["host"] = race.host;
  j["contenders"] = render::json_rows(joined(contender_sections(rs)), rs.contenders);
  j["pareto_front"] = rs.front;
  j["budgets_s"] = rs.budgets;
  j["budget_curves"] = budget_json(rs);
  j["failures"] = rs.failures;
  j["tampered"] = render::json_rows(tampered_columns(), rs.tampered);
  json matrix = json::object();
  for (const auto& t : rs.tasks) matrix[t.task_id] = t.grades;
  j["grades"] = matrix;
  j["grade_sources"] = rs.final_sources;
  j["agreement"] = render::json_rows(agreement_columns(), rs.agreement);
  j["scaffold_comparisons"] = comparisons_json(d);
  j["speed_runs"] = speed_runs_json(d);
  if (auto where = placement_json(placement(d.attempts)); !where.is_null()) j["placement"] = where;
  return j.dump(2) + "\n";
}

}  // namespace

Format parse_format(const std::string& s) {
  if (s == "markdown" || s == "md") return Format::markdown;
  if (s == "json") return Format::json;
  if (s == "csv") return Format::csv;
  throw core::UsageError(fmt::format("--format {}: use markdown, json or csv", s));
}

std::string render(const RaceData& d, const ReportOptions& opts) {
  if (opts.attempts) {
    const auto cols = attempt_columns();
    if (opts.format == Format::csv) return render::csv_table(cols, d.attempts);
    if (opts.format == Format::json) return render::json_rows(cols, d.attempts).dump(2) + "\n";
    return render::markdown_table(render::for_markdown(cols), d.attempts);
  }
  if (opts.format == Format::csv) return render::csv_table(joined(contender_sections(d.summary)), d.summary.contenders);
  if (opts.format == Format::json) return render_json(d);
  return render_markdown(d);
}

std::string render(store::Store& db, const store::RaceRow& race, const ReportOptions& opts) {
  return render(load_race(db, race), opts);
}

}  // namespace agentrace::report
