#include "report/site-parts.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "render/svg.hpp"
#include "report/sentences.hpp"

namespace agentrace::report {
namespace {

constexpr std::size_t kMaxDiffBytes = 256 * 1024;

const char* line_class(std::string_view l) {
  if (l.starts_with("+++") || l.starts_with("---") || l.starts_with("diff ") || l.starts_with("index ")) return "meta";
  if (l.starts_with("@@")) return "hunk";
  if (l.starts_with("+")) return "add";
  if (l.starts_with("-")) return "del";
  return "";
}

std::set<std::string> distinct(const std::vector<ContenderSummary>& cs, std::string ContenderSummary::*field) {
  std::set<std::string> out;
  for (const auto& c : cs)
    if (!(c.*field).empty()) out.insert(c.*field);
  return out;
}

std::string joined_set(const std::set<std::string>& s) { return join({s.begin(), s.end()}, ", "); }

void failure_caveats(const RaceData& d, std::vector<std::string>& out) {
  const auto& rs = d.summary;
  int infra = 0;
  for (const auto& c : rs.contenders) infra += c.infra_errors;
  if (infra)
    out.push_back(fmt::format("{} attempt(s) hit an infrastructure failure and are not graded or scored as the "
                              "model's (see Failures by class).", infra));
  if (rs.pending)
    out.push_back(fmt::format("{} of {} attempts have not finished yet (planned or running): the figures cover "
                              "finished attempts only.", rs.pending, rs.attempts));
}

void sample_caveats(const RaceData& d, std::vector<std::string>& out) {
  const auto& rs = d.summary;
  if (d.repeats <= 1)
    out.push_back("One attempt per task and contender: no consistency figures, and chance decides more of each grade.");
  std::vector<std::string> few, unsplit;
  for (const auto& c : rs.contenders) {
    if (c.graded && c.graded < 10) few.push_back(c.name);
    if (c.graded && !c.split) unsplit.push_back(c.name);
  }
  if (!few.empty())
    out.push_back(fmt::format("Fewer than 10 graded attempts for {}: their 95% intervals are wide.", join(few, ", ")));
  if (!unsplit.empty() && unsplit.size() < rs.contenders.size())
    out.push_back(fmt::format("No time split recorded for {} (no proxy records): their bars show the median "
                              "wall-clock unsplit.", join(unsplit, ", ")));
}

}  // namespace

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

std::string sort_key(const nlohmann::json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) return fmt::format("{:.6g}", v.get<double>());
  if (v.is_number() || v.is_boolean()) return v.dump();
  if (v.is_object()) {
    int n = 0;
    for (const auto& [k, x] : v.items()) n += x.is_number() ? x.get<int>() : 0;
    return std::to_string(n);
  }
  return v.dump();
}

std::string render_table(Templates& t, const HtmlTable& table) {
  Data d;
  if (!table.id.empty()) d.set("id", table.id);
  d.set("sortable", table.sortable);
  Data headers = list_data();
  for (const auto& h : table.headers) {
    Data x;
    x.set("text", h.text);
    x.set("right", h.right);
    headers.push_back(x);
  }
  d.set("headers", headers);
  Data rows = list_data();
  for (const auto& r : table.rows) {
    Data cells = list_data();
    for (const auto& c : r) {
      Data x;
      x.set("text", c.text);
      x.set("sort", c.sort);
      x.set("right", c.right);
      if (!c.href.empty()) x.set("href", c.href);
      cells.push_back(x);
    }
    Data row;
    row.set("cells", cells);
    rows.push_back(row);
  }
  d.set("rows", rows);
  return "<div class=\"plot\">" + t.render("table.html", d) + "</div>";
}

AttemptIndex index_attempts(const std::vector<store::AttemptRecord>& attempts) {
  AttemptIndex out;
  for (const auto& a : attempts) {
    auto& cell = out[a.task_id][a.contender];
    if (cell.size() <= static_cast<std::size_t>(a.repeat)) cell.resize(static_cast<std::size_t>(a.repeat) + 1, nullptr);
    cell[static_cast<std::size_t>(a.repeat)] = &a;
  }
  return out;
}

std::string grade_boxes(const std::vector<const store::AttemptRecord*>& repeats) {
  std::string out;
  for (const auto* a : repeats) {
    if (!a) continue;
    const auto title = fmt::format("repeat {}: {}{}", a->repeat,
                                   a->grade ? store::grade_name(*a->grade) : store::to_string(a->state),
                                   a->grade_detail.empty() ? "" : " — " + a->grade_detail);
    out += fmt::format("<a class=\"g {}\" href=\"{}\" title=\"{}\">{}</a>", a->grade ? fmt::format("g{}", *a->grade) : "gn",
                       attempt_file(a->id), render::xml_escape(title), a->grade ? std::to_string(*a->grade) : "·");
  }
  return out;
}

Data sentence_data() {
  Data d;
  for (const auto& [name, sentence] :
       {std::pair{"confidence", sentence::kConfidence}, {"time_split", sentence::kTimeSplit}, {"effort", sentence::kEffort},
        {"consistency", sentence::kConsistency}, {"budget", sentence::kBudget}, {"comparison", sentence::kComparison},
        {"speed_runs", sentence::kSpeedRuns}, {"tampered", sentence::kTampered}, {"final_grade", sentence::kFinalGrade},
        {"agreement", sentence::kAgreement}})
    d.set(name, std::string(sentence));
  return d;
}

std::string attempt_file(const std::string& attempt_id) {
  std::string safe = attempt_id;
  for (char& ch : safe)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_' && ch != '.') ch = '_';
  return "attempts/" + safe + ".html";
}

std::string diff_html(const std::string& diff) {
  if (diff.empty()) return "<p class=\"note\">No change.</p>";
  const std::string_view text(diff.data(), std::min(diff.size(), kMaxDiffBytes));
  std::string out = "<pre class=\"diff\">";
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto end = std::min(text.find('\n', pos), text.size());
    const auto l = text.substr(pos, end - pos);
    const char* cls = line_class(l);
    out += *cls ? fmt::format("<span class=\"{}\">{}</span>", cls, render::xml_escape(std::string(l)))
                : render::xml_escape(std::string(l)) + "\n";
    pos = end + 1;
  }
  if (diff.size() > kMaxDiffBytes)
    out += fmt::format("<span class=\"meta\">… {} more bytes, not shown (the store keeps the whole diff)</span>",
                       diff.size() - kMaxDiffBytes);
  return out + "</pre>";
}

std::vector<std::string> caveats(const RaceData& d) {
  std::vector<std::string> out;
  const auto& rs = d.summary;
  if (d.simulated)
    out.push_back("The model endpoint was simulated: the answers are scripted, so these results test the pipeline, "
                  "not a model.");
  if (d.race.sandbox == "none")
    out.push_back("Attempts ran without a sandbox (--sandbox none): agents could see the host and the network.");
  if (const auto s = distinct(rs.contenders, &ContenderSummary::scaffold); s.size() > 1)
    out.push_back(fmt::format("Contenders run on different scaffolds ({}): a difference mixes the scaffold's effect "
                              "with the model's.", joined_set(s)));
  const bool local = std::any_of(rs.contenders.begin(), rs.contenders.end(), [](const auto& c) { return c.kind == HostKind::local; });
  const bool hosted = std::any_of(rs.contenders.begin(), rs.contenders.end(), [](const auto& c) { return c.kind == HostKind::hosted; });
  if (local && hosted)
    out.push_back("Local and hosted endpoints side by side: hosted wall-clock includes the network and the provider's "
                  "load at the time; local wall-clock depends on this machine's hardware.");
  failure_caveats(d, out);
  sample_caveats(d, out);
  return out;
}

}  // namespace agentrace::report
