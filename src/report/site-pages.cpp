#include "report/site-pages.hpp"

#include <set>

#include <fmt/format.h>

#include "report/columns.hpp"

namespace agentrace::report {
namespace {

using nlohmann::json;

std::string text_of(const json& j, const char* key, const std::string& sep = ", ") {
  if (!j.contains(key)) return "";
  const auto& v = j[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array()) {
    std::vector<std::string> parts;
    for (const auto& x : v) parts.push_back(x.is_string() ? x.get<std::string>() : x.dump());
    return join(parts, sep);
  }
  return v.is_null() ? "" : v.dump();
}

void set_if(Data& d, const std::string& key, const std::string& value) {
  if (!value.empty()) d.set(key, value);
}

Data task_grades(const record::TaskCard& card) {
  Data out = list_data();
  for (int g = 0; g < 4; ++g) {
    Data x;
    x.set("grade", std::to_string(g));
    x.set("name", store::grade_name(g));
    x.set("meaning", card.grades[g].empty() ? "-" : card.grades[g]);
    out.push_back(x);
  }
  return out;
}

Data task_tests(const record::TaskCard& card) {
  Data out = list_data();
  for (const auto& tc : card.tests) {
    Data x;
    x.set("tier", tc.tier);
    x.set("name", tc.name);
    x.set("cmd", tc.cmd);
    out.push_back(x);
  }
  return out;
}

Data task_results(const RaceData& d, const AttemptIndex& index, const std::string& task) {
  Data out = list_data();
  const auto it = index.find(task);
  for (const auto& c : d.summary.contenders) {
    Data x;
    x.set("contender", c.name);
    const bool any = it != index.end() && it->second.count(c.name);
    if (any) x.set("boxes", grade_boxes(it->second.at(c.name)));
    out.push_back(x);
  }
  return out;
}

Data task_data(const RaceData& d, const AttemptIndex& index, const store::TaskRow& task) {
  const auto& card = task.card;
  Data x;
  x.set("id", task.id);
  x.set("title", task.title);
  x.set("language", task.language);
  x.set("repo", card.repo.empty() ? "-" : card.repo);
  set_if(x, "tags", join(card.tags, ", "));
  set_if(x, "agent_seconds", card.agent_seconds ? std::to_string(*card.agent_seconds) : "");
  x.set("statement", card.statement.empty() ? "(not stored)" : card.statement);
  x.set("grades", task_grades(card));
  const auto tests = task_tests(card);
  x.set("has_tests", !tests.is_empty_list());
  x.set("tests", tests);
  x.set("results", task_results(d, index, task.id));
  return x;
}

std::string price_text(const json& cfg) {
  std::vector<std::string> parts;
  if (cfg.contains("price") && cfg["price"].is_object()) {
    const auto& p = cfg["price"];
    if (p.contains("input_per_mtok")) parts.push_back(fmt::format("${} per million input tokens", p["input_per_mtok"].dump()));
    if (p.contains("output_per_mtok")) parts.push_back(fmt::format("${} per million output tokens", p["output_per_mtok"].dump()));
  }
  if (cfg.contains("hourly_usd")) parts.push_back(fmt::format("${} per hour of the machine", cfg["hourly_usd"].dump()));
  return join(parts, ", ");
}

std::string limits_text(const json& cfg) {
  std::vector<std::string> parts;
  if (cfg.contains("agent_seconds")) parts.push_back(fmt::format("{} s per attempt", cfg["agent_seconds"].dump()));
  if (cfg.contains("max_turns")) parts.push_back(fmt::format("{} model turns", cfg["max_turns"].dump()));
  return join(parts, ", ");
}

std::string result_text(const ContenderSummary& s) {
  if (!s.graded) return fmt::format("{} attempts, none graded yet", s.attempts + s.pending);
  return fmt::format("mean grade {:.2f} [95% CI {:.2f} – {:.2f}] over {} graded attempts; median wall {}", s.mean_grade,
                     s.grade_ci.lo, s.grade_ci.hi, s.graded, seconds_text(s.wall_median));
}

// Settings not shown above, as JSON: serve configs, endpoints and the like.
std::string extra_settings(json cfg) {
  for (const char* k : {"name", "scaffold", "model", "labels", "notes", "command", "env_keys", "price", "hourly_usd",
                        "attachments", "cross", "max_turns", "agent_seconds"})
    cfg.erase(k);
  for (auto it = cfg.begin(); it != cfg.end();) {
    const bool empty = it->is_null() || ((it->is_array() || it->is_object() || it->is_string()) && it->empty());
    it = empty ? cfg.erase(it) : std::next(it);
  }
  return cfg.empty() ? "" : cfg.dump(2);
}

Data contender_data(const store::ContenderRow& row, const ContenderSummary& s) {
  const json cfg = row.config;
  Data x;
  x.set("name", s.name);
  x.set("scaffold", s.scaffold);
  set_if(x, "model", s.model);
  x.set("kind", s.kind == HostKind::unknown ? "not labelled" : to_string(s.kind));
  Data labels = list_data();
  for (const auto& l : s.labels) labels.push_back(Data(l));
  x.set("labels", labels);
  set_if(x, "command", text_of(cfg, "command", " "));
  set_if(x, "env_keys", text_of(cfg, "env_keys"));
  set_if(x, "notes", text_of(cfg, "notes"));
  set_if(x, "price", price_text(cfg));
  set_if(x, "limits", limits_text(cfg));
  set_if(x, "cross", text_of(cfg, "cross"));
  Data files = list_data();
  for (const auto& a : cfg.value("attachments", json::array())) {
    if (!a.is_object()) continue;
    Data f;
    f.set("name", a.value("name", ""));
    f.set("content", a.value("content", ""));
    files.push_back(f);
  }
  x.set("attachments", files);
  set_if(x, "extra", extra_settings(cfg));
  x.set("result", result_text(s));
  return x;
}

HtmlTable coverage_table(const RaceData& d) {
  HtmlTable t;
  for (const char* h : {"contender", "planned", "finished", "graded", "infrastructure errors", "pending"})
    t.headers.push_back({h, "", "", t.headers.size() > 0});
  for (const auto& c : d.summary.contenders) {
    std::vector<HtmlCell> row = {{c.name, c.name, "contenders.html#" + c.name, false}};
    for (int n : {c.attempts + c.pending, c.attempts, c.graded, c.infra_errors, c.pending})
      row.push_back({std::to_string(n), std::to_string(n), "", true});
    t.rows.push_back(std::move(row));
  }
  return t;
}

// The agreement table and one confusion matrix per pair of grade sources.
void set_agreement(Templates& t, const RaceSummary& rs, Data& v) {
  if (rs.agreement.empty()) return;
  v.set("has_agreement", true);
  v.set("agreement_table", plain_table(t, agreement_columns(), rs.agreement));
  Data list = list_data();
  for (const auto& a : rs.agreement) {
    const auto cells = confusion_table(a);
    HtmlTable table;
    table.id = fmt::format("confusion-{}-{}", a.first, a.second);
    for (const auto& h : cells.headers) table.headers.push_back({h, "", "", !table.headers.empty()});
    for (const auto& row : cells.cells) {
      std::vector<HtmlCell> line;
      for (const auto& c : row) line.push_back({c, c, "", !line.empty()});
      table.rows.push_back(std::move(line));
    }
    Data x;
    x.set("title", fmt::format("{} (rows) vs {} (columns)", a.first, a.second));
    x.set("table", render_table(t, table));
    list.push_back(x);
  }
  v.set("confusions", list);
}

Data context_rows(const store::RaceRow& race) {
  Data out = list_data();
  const json host = race.host;
  for (const auto& [k, v] : host.items()) {
    Data x;
    x.set("key", k);
    x.set("value", v.is_string() ? v.get<std::string>() : v.dump());
    out.push_back(x);
  }
  for (const auto& [k, v] : {std::pair{"race", race.id}, {"started", race.created_at}, {"suite", race.suite_dir}}) {
    Data x;
    x.set("key", k);
    x.set("value", v);
    out.push_back(x);
  }
  return out;
}

}  // namespace

std::string tasks_body(Templates& t, const RaceData& d, const AttemptIndex& index) {
  Data v;
  v.set("count", std::to_string(d.tasks.size()));
  v.set("suite", d.race.suite_name);
  Data tasks = list_data();
  for (const auto& task : d.tasks) tasks.push_back(task_data(d, index, task));
  v.set("tasks", tasks);
  return t.render("tasks.html", v);
}

std::string contenders_body(Templates& t, const RaceData& d) {
  Data list = list_data();
  for (std::size_t i = 0; i < d.contenders.size() && i < d.summary.contenders.size(); ++i)
    list.push_back(contender_data(d.contenders[i], d.summary.contenders[i]));
  Data v;
  v.set("contenders", list);
  return t.render("contenders.html", v);
}

std::string about_body(Templates& t, const RaceData& d) {
  const auto& rs = d.summary;
  Data v;
  v.set("text", sentence_data());
  v.set("sandbox_text", d.race.sandbox == "none" ? "without a sandbox (--sandbox none)"
                                                  : "in a bubblewrap sandbox with no network but the model proxy");
  v.set("repeats", std::to_string(d.repeats));
  v.set("grade_sources", final_sources_text(rs));
  set_agreement(t, rs, v);
  int graded = 0;
  for (const auto& c : rs.contenders) graded += c.graded;
  v.set("coverage", fmt::format("{} tasks × {} contenders × {} repeats = {} attempts: {} finished, {} graded, {} pending.",
                                d.tasks.size(), rs.contenders.size(), d.repeats, rs.attempts, rs.finished, graded,
                                rs.pending));
  v.set("coverage_table", render_table(t, coverage_table(d)));
  const auto cav = caveats(d);
  v.set("has_caveats", !cav.empty());
  Data list = list_data();
  for (const auto& c : cav) list.push_back(Data(c));
  v.set("caveats", list);
  v.set("context", context_rows(d.race));
  v.set("spec", json(d.race.spec).dump(2));
  return t.render("about.html", v);
}

}  // namespace agentrace::report
