// `agentrace report --html DIR`: a static site from one race. No server, no network
// fetches: CSS and the table-sorting script are inlined, plots are inline SVG.
#include <fmt/format.h>

#include "core/fs.hpp"
#include "report/columns.hpp"
#include "report/plots.hpp"
#include "report/report.hpp"
#include "report/sentences.hpp"
#include "report/site-pages.hpp"
#include "report/site-parts.hpp"

namespace agentrace::report {
namespace {

using nlohmann::json;

std::string contender_link(const ContenderSummary& c) { return "contenders.html#" + c.name; }

std::string section_table(Templates& t, const ContenderColumns& cols, const RaceSummary& rs, const char* id) {
  auto table = html_table(render::for_markdown(cols), rs.contenders, contender_link);
  table.id = id;
  table.sortable = true;
  return render_table(t, table);
}

Data grade_matrix(const RaceData& d, const AttemptIndex& index) {
  Data rows = list_data();
  for (const auto& [task, by_contender] : index) {
    Data cells = list_data();
    for (const auto& c : d.summary.contenders) {
      Data cell;
      const auto it = by_contender.find(c.name);
      if (it != by_contender.end()) cell.set("boxes", grade_boxes(it->second));
      cells.push_back(cell);
    }
    Data row;
    row.set("task", task);
    row.set("cells", cells);
    rows.push_back(row);
  }
  return rows;
}

std::string failures_table(Templates& t, const RaceSummary& rs) {
  if (rs.failures.empty()) return "";
  HtmlTable table;
  table.headers = {{"class", "", "", false}, {"attempts", "", "", true}};
  for (const auto& [k, v] : rs.failures) table.rows.push_back({{k, k, "", false}, {std::to_string(v), std::to_string(v), "", true}});
  return render_table(t, table);
}

Data comparisons(Templates& t, const RaceSummary& rs) {
  Data out = list_data();
  for (const auto& g : scaffold_controls(rs)) {
    Data x;
    x.set("model", g.model);
    x.set("endpoint", g.endpoint);
    x.set("table", plain_table(t, comparison_columns(), g.contenders));
    out.push_back(x);
  }
  return out;
}

Data speed_runs(Templates& t, const RaceData& d) {
  Data out = list_data();
  for (const auto& s : d.speed) {
    Data x;
    x.set("endpoint", s.run.endpoint);
    x.set("protocol", s.run.protocol);
    if (!s.run.model.empty()) x.set("model", s.run.model);
    x.set("simulated", s.run.simulated);
    x.set("started_at", s.run.started_at);
    if (!s.contenders.empty()) x.set("used_by", join(s.contenders, ", "));
    x.set("table", plain_table(t, speed_case_columns(), s.cases));
    out.push_back(x);
  }
  return out;
}

std::string overview_text(const RaceData& d) {
  const auto& rs = d.summary;
  return fmt::format("Suite {} ({} tasks) · {} contenders · {} repeat{} · sandbox {} · {} attempts ({} finished{}).",
                     d.race.suite_name, d.tasks.size(), rs.contenders.size(), d.repeats, d.repeats == 1 ? "" : "s",
                     d.race.sandbox, rs.attempts, rs.finished, rs.pending ? fmt::format(", {} pending", rs.pending) : "");
}

Data string_list(const std::vector<std::string>& xs) {
  Data out = list_data();
  for (const auto& x : xs) out.push_back(Data(x));
  return out;
}

std::string index_body(Templates& t, const RaceData& d, const AttemptIndex& index) {
  const auto& rs = d.summary;
  const render::PlotContext ctx{d.simulated};
  const auto cols = contender_sections(rs);
  Data v;
  v.set("text", sentence_data());
  v.set("overview", overview_text(d));
  const auto cav = caveats(d);
  v.set("has_caveats", !cav.empty());
  v.set("caveats", string_list(cav));
  v.set("scatter_svg", scatter_svg(rs, ctx));
  if (!rs.front.empty()) v.set("front", join(rs.front, " → "));
  v.set("leaderboard", section_table(t, cols.leaderboard, rs, "leaderboard-table"));
  v.set("split_svg", time_split_svg(rs, ctx));
  if (any_split(rs)) v.set("split_table", section_table(t, cols.time_split, rs, "split-table"));
  if (any_network_lower_bound(rs)) v.set("network_note", std::string(sentence::kNetworkLowerBound));
  v.set("budget_svg", budget_svg(rs, ctx));
  if (!rs.budgets.empty()) v.set("budget_table", section_table(t, cols.budget, rs, "budget-table"));
  if (any_effort(rs)) v.set("effort_table", section_table(t, cols.effort, rs, "effort-table"));
  if (any_repeats(rs)) v.set("consistency_table", section_table(t, cols.consistency, rs, "consistency-table"));
  const auto groups = comparisons(t, rs);
  v.set("has_comparisons", !groups.is_empty_list());
  v.set("comparisons", groups);
  const auto runs = speed_runs(t, d);
  v.set("has_speed_runs", !runs.is_empty_list());
  v.set("speed_runs", runs);
  if (!rs.tampered.empty()) v.set("tampered_table", plain_table(t, tampered_columns(), rs.tampered));
  std::vector<std::string> names;
  for (const auto& c : rs.contenders) names.push_back(c.name);
  v.set("contender_names", string_list(names));
  v.set("matrix", grade_matrix(d, index));
  v.set("grade_sources", final_sources_text(rs));
  v.set("has_agreement", !rs.agreement.empty());
  if (const auto f = failures_table(t, rs); !f.empty()) v.set("failures_table", f);
  return t.render("index.html", v);
}

}  // namespace

std::string render_page(Templates& t, const RaceData& d, const Page& page) {
  Data v;
  v.set("page", page.name);
  v.set("page_title", page.title);
  v.set("race_name", d.race.name);
  v.set("simulated", d.simulated);
  v.set("css", t.text("style.css"));
  if (page.name != "attempt") v.set("script", t.text("sort.js"));
  v.set("root", page.root);
  v.set("is_" + page.name, true);
  v.set("body", page.body);
  v.set("footer", d.context);
  return t.render("layout.html", v);
}

int write_site(const RaceData& d, const std::filesystem::path& dir) {
  Templates t(templates_dir());
  const auto index = index_attempts(d.attempts);
  auto write = [&](const std::string& file, const Page& page) { core::write_file(dir / file, render_page(t, d, page)); };
  write("index.html", {"index", "Overview", "", index_body(t, d, index)});
  write("tasks.html", {"tasks", "Tasks", "", tasks_body(t, d, index)});
  write("contenders.html", {"contenders", "How to run it", "", contenders_body(t, d)});
  write("about.html", {"about", "About this race", "", about_body(t, d)});
  return 4 + write_attempt_pages(t, d, dir);
}

}  // namespace agentrace::report
