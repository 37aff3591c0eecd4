#include "report/report.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "render/table.hpp"
#include "report/columns.hpp"
#include "report/race-data.hpp"
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

std::string section(const std::string& title, const std::string& intro, const ContenderColumns& cols,
                    const RaceSummary& rs) {
  return "## " + title + "\n\n" + intro + "\n\n" + render::markdown_table(render::for_markdown(cols), rs.contenders) + "\n";
}

std::string optional_sections(const RaceData& d, const ContenderSections& cols) {
  const auto& rs = d.summary;
  std::string out;
  if (any_split(rs))
    out += section("Where the time went",
                   "Mean seconds per graded attempt from the proxy's call records: model = time inside model calls "
                   "(network is the part of it spent on the wire), tools = tool execution between calls, scaffold = "
                   "the rest; model + tools + scaffold = wall. Set-up comes before the wall-clock." +
                       (any_network_lower_bound(rs) ? std::string(" ") + kNetworkLowerBoundNote : std::string()),
                   cols.time_split, rs);
  if (any_effort(rs))
    out += section("Turns, tokens and cost",
                   "Means per graded attempt. Cost from the contender's per-million-token prices (hosted) or its "
                   "machine's hourly cost times wall-clock (local); - = not configured.",
                   cols.effort, rs);
  if (any_repeats(rs))
    out += section("Consistency across repeats",
                   "Per task with two or more graded repeats: spread = highest minus lowest grade.", cols.consistency, rs);
  if (!rs.budgets.empty())
    out += section("Score vs wall-clock budget",
                   "Share of graded attempts that finished Solid or better within each wall-clock budget.", cols.budget, rs);
  return out;
}

std::string scaffold_control_section(const RaceSummary& rs) {
  const auto groups = scaffold_controls(rs);
  if (groups.empty()) return "";
  std::string out =
      "## Same model, different scaffolds\n\nContenders that ran one model on one endpoint under different scaffolds: "
      "the model is held fixed, so the differences are the scaffolds' (grade, and the time they spend outside the "
      "model).\n\n";
  for (const auto& g : groups) {
    std::vector<std::vector<std::string>> cells;
    for (const auto* c : g.contenders) {
      const auto split = [&](double TimeSplitMeans::*f) { return c->split ? seconds_text((*c->split).*f) : "-"; };
      cells.push_back({c->scaffold, c->name, c->graded ? fmt::format("{:.2f}", c->mean_grade) : "-",
                       split(&TimeSplitMeans::wall_s), split(&TimeSplitMeans::model_s),
                       split(&TimeSplitMeans::tool_s), split(&TimeSplitMeans::scaffold_s)});
    }
    out += fmt::format("`{}` on `{}`:\n\n", g.model, g.endpoint) +
           render::markdown_from_cells({"scaffold", "contender", "mean grade", "wall (mean)", "model (mean)", "tools (mean)",
                                "scaffold (mean)"},
                               {false, false, true, true, true, true, true}, cells) +
           "\n";
  }
  return out;
}

// Speed runs in the same store (agentrace speed): what the endpoints run at.
std::string speed_section(const RaceData& d) {
  if (d.speed.empty()) return "";
  std::string out = "## What the endpoints run at\n\nEndpoint speed runs kept in the same store (`agentrace speed`, "
                    "docs/speed.md): medians over each case's requests.\n\n";
  for (const auto& s : d.speed) {
    const auto& r = s.run;
    out += fmt::format("`{}` ({}{}{}) on {}{}:\n\n", r.endpoint, r.protocol,
                       r.model.empty() ? "" : fmt::format(", model `{}`", r.model), r.simulated ? ", simulated" : "",
                       r.started_at,
                       s.contenders.empty() ? "" : fmt::format("; used by {}", fmt::join(s.contenders, ", ")));
    std::vector<std::vector<std::string>> cells;
    for (const auto& c : s.cases) {
      const auto j = parse_object(c.result_json);
      const auto num = [&](const char* key, const char* format) {
        return j.contains(key) && j[key].is_number() ? fmt::format(fmt::runtime(format), j[key].get<double>())
                                                                      : std::string("-");
      };
      cells.push_back({std::to_string(c.prompt_tokens), std::to_string(c.output_tokens), std::to_string(c.concurrency),
                       c.rate > 0 ? fmt::format("{:g}/s", c.rate) : "closed", num("ttft_ms_median", "{:.0f}"),
                       num("decode_tps_median", "{:.1f}"), num("output_tps_mean", "{:.1f}"),
                       fmt::format("{}/{}", j.value("ok", 0), j.value("requests", 0))});
    }
    out += render::markdown_from_cells({"prompt tokens", "output tokens", "concurrency", "rate", "TTFT ms", "decode t/s",
                                "output t/s", "ok/n"},
                               {true, true, true, false, true, true, true, true}, cells) +
           "\n";
  }
  return out;
}

std::string agreement_section(const RaceSummary& rs) {
  std::string out = fmt::format(
      "## Grade sources and agreement\n\nFinal grade = the human review where there is one, else the LLM judge's "
      "(which can only lower the automatic grade), else the automatic grade (docs/grading.md). Final grades here: "
      "{}.\n\n",
      final_sources_text(rs));
  if (rs.agreement.empty()) return out;
  out += "Agreement on the attempts both sources graded (automatic = the test tiers after hygiene; judge = the "
         "judge's own answer, before capping; human = the latest review). Cohen's κ is unweighted: only identical grades agree. The weighted κ "
         "uses linear weights: grades one apart count 2/3, two apart 1/3. n/a = undefined (both sources gave every "
         "attempt the same grade).\n\n";
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
  std::vector<std::vector<std::string>> cells;
  for (const auto& t : rs.tampered) cells.push_back({t.task_id, t.contender, std::to_string(t.repeat), t.detail});
  return "## Tampered attempts\n\nThese attempts changed the task's test harness (hidden tests, the files they rely on "
         "or protected files; docs/grading.md): graded Miss, the tests ran on the task's own harness.\n\n" +
         render::markdown_from_cells({"task", "contender", "repeat", "what"}, {false, false, true, false}, cells) + "\n";
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
  out += "95% CI: percentile bootstrap of the mean grade (2000 resamples, fixed seed).\n\n" + front_text(rs);
  out += optional_sections(d, cols);
  out += scaffold_control_section(rs);
  out += speed_section(d);
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
  out += "Wall-clock runs from the agent's start to its exit, without workspace set-up and grading; median [25th – "
         "75th percentile] over graded attempts.\n\n";
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

std::string render_json(const RaceData& d) {
  const auto& race = d.race;
  const auto& rs = d.summary;
  json j;
  j["race"] = {{"id", race.id},       {"name", race.name},   {"suite", race.suite_name},
               {"sandbox", race.sandbox}, {"created_at", race.created_at}, {"tasks", d.tasks.size()},
               {"repeats", d.repeats}, {"simulated", d.simulated}};
  j["host"] = parse_object(race.host_json);
  j["contenders"] = render::json_rows(joined(contender_sections(rs)), rs.contenders);
  j["pareto_front"] = rs.front;
  j["budgets_s"] = rs.budgets;
  j["budget_curves"] = budget_json(rs);
  j["failures"] = rs.failures;
  json tampered = json::array();
  for (const auto& t : rs.tampered)
    tampered.push_back({{"task", t.task_id}, {"contender", t.contender}, {"repeat", t.repeat}, {"detail", t.detail}});
  j["tampered"] = tampered;
  json matrix = json::object();
  for (const auto& t : rs.tasks) matrix[t.task_id] = t.grades;
  j["grades"] = matrix;
  j["grade_sources"] = rs.final_sources;
  j["agreement"] = render::json_rows(agreement_columns(), rs.agreement);
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
