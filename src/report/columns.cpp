#include "report/columns.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "grade/hygiene.hpp"
#include "render/scale.hpp"

namespace agentrace::report {
namespace {

using nlohmann::json;
using S = ContenderSummary;
using Col = render::Column<S>;

json opt(const std::optional<double>& v) { return v ? json(*v) : json(); }

std::string failures_text(const std::map<std::string, int>& f) {
  std::string out;
  for (const auto& [k, v] : f) out += fmt::format("{}{} {}", out.empty() ? "" : ", ", k, v);
  return out.empty() ? "-" : out;
}

Col name_column() {
  return {"contender", "contender", [](const S& s) { return json(s.name); }, [](const S& s) { return s.name; }, false};
}

Col count_column(const char* name, const char* header, std::size_t grade) {
  return {name, header, [grade](const S& s) { return json(s.counts[grade]); },
          [grade](const S& s) { return std::to_string(s.counts[grade]); }};
}

// A figure that exists only for graded contenders: null / "-" otherwise.
Col graded_column(const char* name, const char* header, double S::*field, std::string (*text)(double)) {
  return {name, header, [field](const S& s) { return s.graded ? json(s.*field) : json(); },
          text ? std::function<std::string(const S&)>([field, text](const S& s) { return s.graded ? text(s.*field) : "-"; })
               : nullptr};
}

// A figure from the time split; null / "-" when the contender has none.
Col split_column(const char* name, const char* header, double TimeSplitMeans::*field) {
  return {name, header, [field](const S& s) { return s.split ? json((*s.split).*field) : json(); },
          [field](const S& s) { return s.split ? seconds_text((*s.split).*field) : "-"; }};
}

Col optional_column(const char* name, const char* header, std::optional<double> S::*field, std::string (*text)(double)) {
  return {name, header, [field](const S& s) { return opt(s.*field); },
          [field, text](const S& s) { return s.*field ? text(*(s.*field)) : "-"; }};
}

std::string grade_text(const S& s) {
  return s.graded ? fmt::format("{:.2f} ± {:.2f}", s.mean_grade, s.sd_grade) : "-";
}

std::string ci_text(const S& s) {
  return s.graded ? fmt::format("{:.2f} – {:.2f}", s.grade_ci.lo, s.grade_ci.hi) : "-";
}

std::string wall_text(const S& s) {
  return s.graded ? fmt::format("{} [{} – {}]", seconds_text(s.wall_median), seconds_text(s.wall_p25),
                                seconds_text(s.wall_p75))
                  : "-";
}

std::string attempts_text(const S& s) {
  return s.pending ? fmt::format("{} (+{} pending)", s.attempts, s.pending) : std::to_string(s.attempts);
}

ContenderColumns leaderboard(const RaceSummary& rs) {
  const bool with_model = std::any_of(rs.contenders.begin(), rs.contenders.end(), [](const S& s) { return !s.model.empty(); });
  const bool with_kind = std::any_of(rs.contenders.begin(), rs.contenders.end(), [](const S& s) { return s.kind != HostKind::unknown; });
  ContenderColumns cols = {name_column(),
                           {"scaffold", "scaffold", [](const S& s) { return json(s.scaffold); }, [](const S& s) { return s.scaffold; }, false}};
  if (with_model) cols.push_back({"model", "model", [](const S& s) { return json(s.model); }, [](const S& s) { return s.model; }, false});
  if (with_kind)
    cols.push_back({"where", "where", [](const S& s) { return json(to_string(s.kind)); },
                    [](const S& s) { return s.kind == HostKind::unknown ? std::string("-") : to_string(s.kind); }, false});
  const ContenderColumns rest = {
      {"mean_grade", "grade (mean ± sd)", [](const S& s) { return s.graded ? json(s.mean_grade) : json(); }, grade_text},
      graded_column("sd_grade", "", &S::sd_grade, nullptr),
      {"grade_ci_lo", "95% CI", [](const S& s) { return s.graded ? json(s.grade_ci.lo) : json(); }, ci_text},
      {"grade_ci_hi", "", [](const S& s) { return s.graded ? json(s.grade_ci.hi) : json(); }, nullptr},
      count_column("miss", "Miss", 0), count_column("basic", "Basic", 1), count_column("solid", "Solid", 2),
      count_column("complete", "Complete", 3),
      {"wall_median_s", "wall median [IQR]", [](const S& s) { return s.graded ? json(s.wall_median) : json(); }, wall_text},
      graded_column("wall_p25_s", "", &S::wall_p25, nullptr),
      graded_column("wall_p75_s", "", &S::wall_p75, nullptr),
      graded_column("setup_median_s", "set-up", &S::setup_median, seconds_text),
      {"attempts", "attempts", [](const S& s) { return json(s.attempts); }, attempts_text},
      {"failures", "failures", [](const S& s) { return json(s.failures); }, [](const S& s) { return failures_text(s.failures); }, false},
      {"tampered", "", [](const S& s) { return json(s.tampered); }, nullptr},
      {"on_front", "", [](const S& s) { return json(s.on_front); }, nullptr},
      {"simulated", "", [simulated = rs.simulated](const S&) { return json(simulated); }, nullptr},
  };
  cols.insert(cols.end(), rest.begin(), rest.end());
  return cols;
}

ContenderColumns time_split() {
  return {name_column(),
          {"split_attempts", "attempts split", [](const S& s) { return json(s.split ? s.split->attempts : 0); },
           [](const S& s) { return std::to_string(s.split ? s.split->attempts : 0); }},
          split_column("setup_mean_s", "set-up", &TimeSplitMeans::setup_s),
          split_column("model_s", "model", &TimeSplitMeans::model_s),
          {"network_s", "network (in model)", [](const S& s) { return s.split ? json(s.split->network_s) : json(); },
           [](const S& s) {
             if (!s.split) return std::string("-");
             return (s.split->network_lower_bound() ? "≥ " : "") + seconds_text(s.split->network_s);
           }},
          {"network_lower_bound", "", [](const S& s) { return s.split ? json(s.split->network_lower_bound()) : json(); },
           nullptr},
          split_column("tool_s", "tools", &TimeSplitMeans::tool_s),
          split_column("scaffold_s", "scaffold", &TimeSplitMeans::scaffold_s),
          split_column("wall_mean_s", "wall (mean)", &TimeSplitMeans::wall_s)};
}

std::string one_decimal(double v) { return fmt::format("{:.1f}", v); }
std::string two_decimals(double v) { return fmt::format("{:.2f}", v); }
std::string whole(double v) { return fmt::format("{:.0f}", v); }
std::string dollars(double v) { return v < 1 ? fmt::format("${:.4f}", v) : fmt::format("${:.2f}", v); }

ContenderColumns effort() {
  return {name_column(),
          optional_column("turns", "turns", &S::turns, one_decimal),
          optional_column("input_tokens", "input tokens", &S::input_tokens, whole),
          optional_column("output_tokens", "output tokens", &S::output_tokens, whole),
          optional_column("cost_per_attempt_usd", "cost / attempt", &S::cost_per_attempt, dollars),
          optional_column("cost_total_usd", "cost (total)", &S::cost_total, dollars),
          {"cost_basis", "cost from", [](const S& s) { return json(s.cost_basis); },
           [](const S& s) { return s.cost_basis.empty() ? std::string("-") : s.cost_basis; }, false}};
}

ContenderColumns consistency() {
  auto share = [](const S& s) { return s.repeated_tasks ? json(static_cast<double>(s.identical_tasks) / s.repeated_tasks) : json(); };
  return {name_column(),
          {"repeated_tasks", "tasks repeated", [](const S& s) { return json(s.repeated_tasks); },
           [](const S& s) { return std::to_string(s.repeated_tasks); }},
          {"identical_share", "same grade every repeat", share,
           [](const S& s) {
             return s.repeated_tasks ? fmt::format("{:.0f}% ({} of {})", 100.0 * s.identical_tasks / s.repeated_tasks,
                                                   s.identical_tasks, s.repeated_tasks)
                                     : "-";
           }},
          {"mean_spread", "mean spread", [](const S& s) { return s.repeated_tasks ? json(s.mean_spread) : json(); },
           [](const S& s) { return s.repeated_tasks ? fmt::format("{:.2f}", s.mean_spread) : "-"; }},
          {"max_spread", "max spread", [](const S& s) { return s.repeated_tasks ? json(s.max_spread) : json(); },
           [](const S& s) { return s.repeated_tasks ? std::to_string(s.max_spread) : "-"; }}};
}

ContenderColumns budget(const RaceSummary& rs) {
  ContenderColumns cols = {name_column()};
  for (double b : rs.budgets) {
    auto share = [b](const S& s) { return budget_shares(s, {b}).front(); };
    cols.push_back({fmt::format("solid_within_{:g}s", b), "≤ " + render::duration_label(b),
                    [share](const S& s) { return s.graded ? json(share(s)) : json(); },
                    [share](const S& s) { return s.graded ? fmt::format("{:.0f}%", 100 * share(s)) : "-"; }});
  }
  return cols;
}

}  // namespace

std::string seconds_text(double s) {
  if (s < 1) return fmt::format("{:.0f} ms", s * 1000);
  if (s < 100) return fmt::format("{:.2f} s", s);
  return fmt::format("{:.0f} s", s);
}

ContenderSections contender_sections(const RaceSummary& rs) {
  return {leaderboard(rs), time_split(), effort(), consistency(), budget(rs)};
}

ContenderColumns joined(const ContenderSections& s) {
  ContenderColumns out = s.leaderboard;
  for (const auto* part : {&s.time_split, &s.effort, &s.consistency, &s.budget}) out.insert(out.end(), part->begin() + 1, part->end());
  return out;
}

bool any_split(const RaceSummary& rs) {
  return std::any_of(rs.contenders.begin(), rs.contenders.end(), [](const S& s) { return s.split.has_value(); });
}

bool any_network_lower_bound(const RaceSummary& rs) {
  return std::any_of(rs.contenders.begin(), rs.contenders.end(),
                     [](const S& s) { return s.split && s.split->network_lower_bound(); });
}

bool any_effort(const RaceSummary& rs) {
  return std::any_of(rs.contenders.begin(), rs.contenders.end(),
                     [](const S& s) { return s.turns || s.input_tokens || s.output_tokens || s.cost_per_attempt; });
}

bool any_repeats(const RaceSummary& rs) {
  return std::any_of(rs.contenders.begin(), rs.contenders.end(), [](const S& s) { return s.repeated_tasks > 0; });
}

std::string kappa_text(const std::optional<double>& k) { return k ? fmt::format("{:.2f}", *k) : "n/a"; }

std::string final_sources_text(const RaceSummary& rs) {
  std::string out;
  for (const auto& [k, v] : rs.final_sources) out += fmt::format("{}{} {}", out.empty() ? "" : ", ", k, v);
  return out.empty() ? "none yet" : out;
}

std::vector<render::Column<SourceAgreement>> agreement_columns() {
  using G = SourceAgreement;
  return {
      {"first", "", [](const G& g) { return json(g.first); }, nullptr},
      {"second", "", [](const G& g) { return json(g.second); }, nullptr},
      {"sources", "sources", [](const G& g) { return json(g.first + " vs " + g.second); },
       [](const G& g) { return g.first + " vs " + g.second; }, false},
      {"attempts", "attempts", [](const G& g) { return json(g.stats.n); }, [](const G& g) { return std::to_string(g.stats.n); }},
      {"exact_match", "exact match", [](const G& g) { return json(g.stats.exact); },
       [](const G& g) { return fmt::format("{:.0f}%", 100 * g.stats.exact); }},
      {"kappa", "Cohen's κ (unweighted)", [](const G& g) { return opt(g.stats.kappa); },
       [](const G& g) { return kappa_text(g.stats.kappa); }},
      {"weighted_kappa", "weighted κ (linear)", [](const G& g) { return opt(g.stats.weighted_kappa); },
       [](const G& g) { return kappa_text(g.stats.weighted_kappa); }},
      {"confusion", "", [](const G& g) { return json(g.stats.confusion); }, nullptr},
  };
}

CellTable confusion_table(const SourceAgreement& a) {
  CellTable t;
  t.headers.push_back(a.first + " ↓ · " + a.second + " →");
  const auto name = [](std::size_t g) { return fmt::format("{} {}", g, store::grade_name(static_cast<int>(g))); };
  for (std::size_t i = 0; i < a.stats.confusion.size(); ++i) {
    t.headers.push_back(name(i));
    std::vector<std::string> row = {name(i)};
    for (int n : a.stats.confusion[i]) row.push_back(std::to_string(n));
    t.cells.push_back(std::move(row));
  }
  return t;
}

std::vector<render::Column<TamperedAttempt>> tampered_columns() {
  using T = TamperedAttempt;
  return {{"task", "task", [](const T& t) { return json(t.task_id); }, [](const T& t) { return t.task_id; }, false},
          {"contender", "contender", [](const T& t) { return json(t.contender); }, [](const T& t) { return t.contender; }, false},
          {"repeat", "repeat", [](const T& t) { return json(t.repeat); }, [](const T& t) { return std::to_string(t.repeat); }},
          {"detail", "what", [](const T& t) { return json(t.detail); }, [](const T& t) { return t.detail; }, false}};
}

ContenderColumns comparison_columns() {
  return {{"scaffold", "scaffold", [](const S& s) { return json(s.scaffold); }, [](const S& s) { return s.scaffold; }, false},
          name_column(),
          graded_column("mean_grade", "mean grade", &S::mean_grade, two_decimals),
          split_column("wall_mean_s", "wall (mean)", &TimeSplitMeans::wall_s),
          split_column("model_s", "model (mean)", &TimeSplitMeans::model_s),
          split_column("tool_s", "tools (mean)", &TimeSplitMeans::tool_s),
          split_column("scaffold_s", "scaffold (mean)", &TimeSplitMeans::scaffold_s)};
}

std::vector<render::Column<SpeedCase>> speed_case_columns() {
  using C = SpeedCase;
  const auto figure = [](const char* name, const char* header, std::optional<double> C::*field, const char* format) {
    return render::Column<C>{name, header, [field](const C& c) { return opt(c.*field); }, [field, format](const C& c) {
                               return c.*field ? fmt::format(fmt::runtime(format), *(c.*field)) : std::string("-");
                             }};
  };
  return {{"prompt_tokens", "prompt tokens", [](const C& c) { return json(c.prompt_tokens); },
           [](const C& c) { return std::to_string(c.prompt_tokens); }},
          {"output_tokens", "output tokens", [](const C& c) { return json(c.output_tokens); },
           [](const C& c) { return std::to_string(c.output_tokens); }},
          {"concurrency", "concurrency", [](const C& c) { return json(c.concurrency); },
           [](const C& c) { return std::to_string(c.concurrency); }},
          {"rate_per_s", "rate", [](const C& c) { return c.rate > 0 ? json(c.rate) : json(); },
           [](const C& c) { return c.rate > 0 ? fmt::format("{:g}/s", c.rate) : "closed"; }, false},
          figure("ttft_ms_median", "TTFT ms", &C::ttft_ms_median, "{:.0f}"),
          figure("decode_tps_median", "decode t/s", &C::decode_tps_median, "{:.1f}"),
          figure("output_tps_mean", "output t/s", &C::output_tps_mean, "{:.1f}"),
          {"ok", "", [](const C& c) { return json(c.ok); }, nullptr},
          {"requests", "ok/n", [](const C& c) { return json(c.requests); },
           [](const C& c) { return fmt::format("{}/{}", c.ok, c.requests); }}};
}

std::vector<render::Column<store::AttemptRecord>> attempt_columns() {
  using A = store::AttemptRecord;
  auto opt_grade = [](const A& a) { return a.grade ? json(*a.grade) : json(); };
  auto opt_int = [](const std::optional<int>& v) { return v ? json(*v) : json(); };
  auto split = [](const A& a) { return a.time_split ? json(*a.time_split) : json(); };
  return {
      {"attempt", "attempt", [](const A& a) { return json(a.id); }, [](const A& a) { return a.id.substr(0, 12); }, false},
      {"task", "task", [](const A& a) { return json(a.task_id); }, [](const A& a) { return a.task_id; }, false},
      {"contender", "contender", [](const A& a) { return json(a.contender); }, [](const A& a) { return a.contender; }, false},
      {"repeat", "repeat", [](const A& a) { return json(a.repeat); }, [](const A& a) { return std::to_string(a.repeat); }},
      {"state", "state", [](const A& a) { return json(store::to_string(a.state)); },
       [](const A& a) { return store::to_string(a.state); }, false},
      {"grade", "grade", opt_grade,
       [](const A& a) { return a.grade ? fmt::format("{} {}", *a.grade, store::grade_name(*a.grade)) : "-"; }, false},
      {"grade_source", "", [](const A& a) { return a.grade ? json(a.grade_source.empty() ? "auto" : a.grade_source) : json(); }, nullptr},
      {"automatic_grade", "", [opt_int](const A& a) { return opt_int(automatic_grade(a)); }, nullptr},
      {"judge_grade", "", [opt_int](const A& a) { return opt_int(a.judge_grade); }, nullptr},
      {"human_grade", "", [opt_int](const A& a) { return opt_int(human_grade(a)); }, nullptr},
      {"grade_detail", "why", [](const A& a) { return json(a.grade_detail); }, [](const A& a) { return a.grade_detail; }, false},
      {"tampered", "tampered", [](const A& a) { return json(!grade::tampered_detail(a.hygiene).empty()); },
       [](const A& a) { return grade::tampered_detail(a.hygiene).empty() ? "-" : "TAMPERED"; }, false},
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
      {"calls", "", [](const A& a) { return json(a.calls); }, nullptr},
      {"time_split", "", split, nullptr},
  };
}

}  // namespace agentrace::report
