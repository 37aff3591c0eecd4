// attempts/<id>.html: one attempt in full — its change next to the shipped fix, the
// test outcomes, the model calls on a time line, and what the agent reported.
#include <algorithm>
#include <exception>
#include <thread>

#include <fmt/format.h>

#include "core/fs.hpp"
#include "grade/hygiene.hpp"
#include "render/svg.hpp"
#include "report/columns.hpp"
#include "report/plots.hpp"
#include "report/site-pages.hpp"

namespace agentrace::report {
namespace {

using nlohmann::json;

// Rows of one attempt in a vector sorted by attempt id: [first, last).
template <typename Row>
std::map<std::string, std::pair<std::size_t, std::size_t>> ranges(const std::vector<Row>& rows) {
  std::map<std::string, std::pair<std::size_t, std::size_t>> out;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    auto [it, fresh] = out.try_emplace(rows[i].attempt_id, i, i + 1);
    if (!fresh) it->second.second = i + 1;
  }
  return out;
}

// Rows are built as HTML here rather than as mustache lists: 10,000 pages of nested
// mustache data cost more than the rest of the site together.
std::string td(const std::string& text, bool right = false, const char* cls = "") {
  return fmt::format("<td{}{}>{}</td>", right ? " class=\"r\"" : "", *cls ? fmt::format(" class=\"{}\"", cls) : "",
                     render::xml_escape(text));
}

void fact(std::string& out, const std::string& key, const std::string& value) {
  if (!value.empty()) out += fmt::format("<dt>{}</dt><dd>{}</dd>\n", render::xml_escape(key), render::xml_escape(value));
}

std::string split_text(const std::optional<record::TimeSplit>& split) {
  if (!split) return "";
  std::vector<std::string> parts;
  for (const auto& [name, s] : {std::pair{"model", split->model_s}, {"network", split->network_s},
                                {"tool", split->tool_s}, {"scaffold", split->scaffold_s}})
    parts.push_back(fmt::format("{} {}", name, seconds_text(s)));
  return join(parts, " · ");
}

std::string usage_text(const json& agent) {
  std::vector<std::string> parts;
  for (const char* k : {"turns", "tool_calls", "input_tokens", "output_tokens"})
    if (agent.contains(k) && agent[k].is_number()) parts.push_back(fmt::format("{} {}", k, agent[k].dump()));
  return join(parts, " · ");
}

std::string facts(const store::AttemptRecord& a, const json& agent) {
  std::string list;
  fact(list, "state", store::to_string(a.state) + (a.runs > 1 ? fmt::format(" (run {} times)", a.runs) : ""));
  if (a.failure != store::FailureClass::none)
    fact(list, "failure", store::to_string(a.failure) + (a.failure_detail.empty() ? "" : ": " + a.failure_detail));
  if (a.grade) fact(list, "grade source", a.grade_source.empty() ? "auto" : a.grade_source);
  fact(list, "wall-clock", seconds_text(a.wall_s));
  fact(list, "set-up / grading", seconds_text(a.setup_s) + " / " + seconds_text(a.grade_s));
  fact(list, "time split", split_text(a.time_split));
  fact(list, "exit", a.timed_out ? "timed out" : a.term_signal ? fmt::format("signal {}", a.term_signal) : std::to_string(a.exit_code));
  fact(list, "CPU user / sys", fmt::format("{} / {}", seconds_text(a.user_s), seconds_text(a.sys_s)));
  fact(list, "max RSS", fmt::format("{:.1f} MiB", static_cast<double>(a.max_rss_kb) / 1024));
  fact(list, "output", fmt::format("stdout {} B, stderr {} B{}", a.stdout_bytes, a.stderr_bytes, a.output_truncated ? " (capped)" : ""));
  fact(list, "model calls", a.calls ? std::to_string(a.calls) : "");
  fact(list, "agent reported", usage_text(agent));
  fact(list, "changed files", join(a.changed_files, ", "));
  fact(list, "started / ended", a.started_at.empty() ? "" : a.started_at + " / " + a.ended_at);
  fact(list, "host", a.host);
  fact(list, "attempt id", a.id);
  return list;
}

std::string outcome_rows(const std::vector<store::TestOutcome>& all, std::pair<std::size_t, std::size_t> range) {
  std::string out;
  for (std::size_t i = range.first; i < range.second; ++i) {
    const auto& o = all[i];
    const auto tail = o.output_tail.empty() ? std::string()
                                            : "<details><summary>show</summary><pre>" + render::xml_escape(o.output_tail) + "</pre></details>";
    out += "<tr>" + td(o.tier) + td(o.name) + td(o.timed_out ? "timed out" : o.passed ? "pass" : "fail", false, o.passed ? "pass" : "fail") +
           td(std::to_string(o.exit_code), true) + td(seconds_text(o.duration_s), true) + "<td>" + tail + "</td></tr>\n";
  }
  return out;
}

std::string opt_tokens(const std::optional<std::int64_t>& v) { return v ? std::to_string(*v) : "-"; }

std::string call_rows(const std::vector<store::CallRow>& calls) {
  std::string out;
  const std::int64_t t0 = calls.front().start_mono_ns;
  double prev_end = -1;
  for (const auto& c : calls) {
    const double start = static_cast<double>(c.start_mono_ns - t0) / 1e9, end = start + std::max(0.0, c.end_ms) / 1000;
    out += "<tr>" + td(std::to_string(c.sequence), true) + td(seconds_text(start), true) +
           td(prev_end < 0 ? "-" : seconds_text(std::max(0.0, start - prev_end)), true) +
           td(c.first_content_ms < 0 ? "-" : seconds_text(c.first_content_ms / 1000), true) +
           td(seconds_text(end - start), true) + td(opt_tokens(c.input_tokens), true) +
           td(opt_tokens(c.output_tokens), true) + td(c.model) + td(std::to_string(c.status), true) +
           td(c.error == "none" ? "" : c.error) + "</tr>\n";
    prev_end = std::max(prev_end, end);
  }
  return out;
}

// The task's spec as the store keeps it (race.cpp task_row) holds the fix under "fix".
// What the agent said when it reported an error.
std::string agent_text(const json& agent) {
  const auto message = agent.find("error_message");
  return message != agent.end() && message->is_string() ? message->get<std::string>() : "";
}

void set_grade(Data& v, const store::AttemptRecord& a) {
  v.set("grade_cls", a.grade ? fmt::format("g{}", *a.grade) : "gn");
  v.set("grade_text", a.grade ? fmt::format("{} {}", *a.grade, store::grade_name(*a.grade)) : "not graded");
  v.set("grade_detail", a.grade_detail);
  const auto tampered = grade::tampered_detail(a.hygiene);
  v.set("is_tampered", !tampered.empty());
  v.set("tampered", tampered);
}

struct AttemptSources {
  const RaceData& d;
  std::map<std::string, std::string> fixes;  // task id -> shipped fix
  std::map<std::string, std::pair<std::size_t, std::size_t>> outcomes, calls;
};

std::string attempt_body(Templates& t, const AttemptSources& src, const store::AttemptRecord& a) {
  const json agent = a.agent;
  Data v;
  v.set("task", a.task_id);
  v.set("contender", a.contender);
  v.set("repeat", std::to_string(a.repeat));
  set_grade(v, a);
  v.set("facts", facts(a, agent));
  v.set("diff_html", diff_html(a.diff));
  const auto fix = src.fixes.find(a.task_id);
  v.set("has_fix", fix != src.fixes.end());
  if (fix != src.fixes.end()) v.set("fix_html", diff_html(fix->second));
  const auto o = src.outcomes.find(a.id);
  v.set("has_outcomes", o != src.outcomes.end());
  if (o != src.outcomes.end()) v.set("outcomes", outcome_rows(src.d.outcomes, o->second));
  if (const auto c = src.calls.find(a.id); c != src.calls.end()) {
    const std::vector<store::CallRow> calls(src.d.calls.begin() + static_cast<std::ptrdiff_t>(c->second.first),
                                            src.d.calls.begin() + static_cast<std::ptrdiff_t>(c->second.second));
    v.set("has_calls", true);
    v.set("calls", call_rows(calls));
    v.set("timeline_svg", timeline_svg(calls));
  }
  if (const auto text = agent_text(agent); !text.empty()) v.set("agent_text", text);
  if (!agent.empty()) v.set("agent_json", agent.dump(2));
  return t.render("attempt.html", v);
}

void write_attempt(Templates& t, const AttemptSources& src, const store::AttemptRecord& a,
                   const std::filesystem::path& dir) {
  const Page page{"attempt", fmt::format("{} · {} · repeat {}", a.task_id, a.contender, a.repeat), "../",
                  attempt_body(t, src, a)};
  core::write_file(dir / attempt_file(a.id), render_page(t, src.d, page));
}

}  // namespace

int write_attempt_pages(Templates& t, const RaceData& d, const std::filesystem::path& dir) {
  AttemptSources src{d, {}, ranges(d.outcomes), ranges(d.calls)};
  for (const auto& task : d.tasks)
    if (!task.card.fix.empty()) src.fixes[task.id] = task.card.fix;
  std::filesystem::create_directories(dir / "attempts");
  // Pages are independent: one worker per core, each with its own compiled templates.
  const std::size_t workers = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 8);
  std::vector<std::exception_ptr> errors(workers);
  auto work = [&](std::size_t w) {
    try {
      Templates own(templates_dir());
      Templates& tw = w == 0 ? t : own;
      for (std::size_t i = w; i < d.attempts.size(); i += workers) write_attempt(tw, src, d.attempts[i], dir);
    } catch (...) {
      errors[w] = std::current_exception();
    }
  };
  std::vector<std::thread> threads;
  for (std::size_t w = 1; w < workers; ++w) threads.emplace_back(work, w);
  work(0);
  for (auto& th : threads) th.join();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  return static_cast<int>(d.attempts.size());
}

}  // namespace agentrace::report
