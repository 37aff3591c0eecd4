#include "report/summary.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/stats.hpp"
#include "grade/hygiene.hpp"
#include "render/scale.hpp"

namespace agentrace::report {
namespace {

using nlohmann::json;

// oracle (the shipped fix) and nop (nothing): the bounds a race carries for reference,
// not agents; they stay off the Pareto front and out of the budget axis.
bool is_reference(const std::string& scaffold) { return scaffold == "oracle" || scaffold == "nop"; }

std::optional<double> mean_of(const std::vector<double>& xs) {
  if (xs.empty()) return std::nullopt;
  return core::mean(xs);
}

// What the contender's config says about it: model, labels, where it runs; its prices.
const record::Price& read_config(const store::ContenderRow& c, ContenderSummary& s) {
  const auto& cfg = c.config;
  s.model = cfg.model;
  if (cfg.endpoint) s.endpoint = cfg.endpoint->simulated() ? "sim:" + cfg.endpoint->sim : cfg.endpoint->url;
  s.labels = cfg.labels;
  const auto& price = cfg.price;
  const auto has = [&](const char* l) { return std::find(s.labels.begin(), s.labels.end(), l) != s.labels.end(); };
  if (has("local") || (!has("hosted") && price.hourly_usd))
    s.kind = HostKind::local;
  else if (has("hosted") || price.input_per_mtok || price.output_per_mtok)
    s.kind = HostKind::hosted;
  return price;
}

// Usage the proxy recorded, per attempt.
struct CallUsage {
  int calls = 0;
  std::optional<double> input_tokens, output_tokens;
};

std::map<std::string, CallUsage> usage_by_attempt(const std::vector<store::CallRow>& calls) {
  std::map<std::string, CallUsage> out;
  for (const auto& c : calls) {
    auto& u = out[c.attempt_id];
    ++u.calls;
    if (c.input_tokens) u.input_tokens = u.input_tokens.value_or(0) + static_cast<double>(*c.input_tokens);
    if (c.output_tokens) u.output_tokens = u.output_tokens.value_or(0) + static_cast<double>(*c.output_tokens);
  }
  return out;
}

// The raw samples of one contender's graded attempts.
struct Samples {
  std::vector<double> grades, walls, setups, solid_walls;
  std::vector<double> turns, input_tokens, output_tokens, costs;
  std::vector<TimeSplitMeans> splits;
  std::map<std::string, std::vector<int>> by_task;  // task -> grades of its repeats
};

void add_split(const store::AttemptRecord& a, Samples& out) {
  if (!a.time_split) return;
  const auto& j = *a.time_split;
  TimeSplitMeans t;
  t.attempts = 1;
  t.model_s = j.model_s;
  t.tool_s = j.tool_s;
  t.scaffold_s = j.scaffold_s;
  t.network_s = j.network_s;
  t.setup_s = j.setup_s;
  t.wall_s = j.wall_s;
  // Records from before server_timed_calls was kept say nothing about it: no marker.
  if (j.server_timed_calls) {
    t.calls = j.calls;
    t.server_timed_calls = *j.server_timed_calls;
  }
  out.splits.push_back(t);
}

void add_effort(const store::AttemptRecord& a, const CallUsage* usage, const record::Price& price, Samples& out) {
  const auto as_double = [](const auto& v) { return v ? std::optional<double>(static_cast<double>(*v)) : std::nullopt; };
  auto turns = as_double(a.agent.turns);
  if (!turns && (a.calls > 0 || usage)) turns = a.calls > 0 ? a.calls : usage->calls;
  auto in = as_double(a.agent.input_tokens);
  auto out_tok = as_double(a.agent.output_tokens);
  if (!in && !out_tok && usage) {
    in = usage->input_tokens;
    out_tok = usage->output_tokens;
  }
  if (turns) out.turns.push_back(*turns);
  if (in) out.input_tokens.push_back(*in);
  if (out_tok) out.output_tokens.push_back(*out_tok);
  if (price.input_per_mtok || price.output_per_mtok) {
    if (in || out_tok)
      out.costs.push_back((in.value_or(0) * price.input_per_mtok.value_or(0) +
                           out_tok.value_or(0) * price.output_per_mtok.value_or(0)) / 1e6);
  } else if (price.hourly_usd) {
    out.costs.push_back(*price.hourly_usd * a.wall_s / 3600);
  }
}

void add_graded(const store::AttemptRecord& a, const CallUsage* usage, const record::Price& price, Samples& out) {
  const int g = *a.grade;
  out.grades.push_back(g);
  out.walls.push_back(a.wall_s);
  out.setups.push_back(a.setup_s);
  if (g >= static_cast<int>(store::Grade::solid)) out.solid_walls.push_back(a.wall_s);
  out.by_task[a.task_id].push_back(g);
  add_split(a, out);
  add_effort(a, usage, price, out);
}

std::optional<TimeSplitMeans> mean_split(const std::vector<TimeSplitMeans>& xs) {
  if (xs.empty()) return std::nullopt;
  TimeSplitMeans m;
  m.attempts = static_cast<int>(xs.size());
  for (const auto& t : xs) {
    m.model_s += t.model_s;
    m.tool_s += t.tool_s;
    m.scaffold_s += t.scaffold_s;
    m.network_s += t.network_s;
    m.setup_s += t.setup_s;
    m.wall_s += t.wall_s;
    m.calls += t.calls;
    m.server_timed_calls += t.server_timed_calls;
  }
  const double n = m.attempts;
  for (double* v : {&m.model_s, &m.tool_s, &m.scaffold_s, &m.network_s, &m.setup_s, &m.wall_s}) *v /= n;
  return m;
}

void consistency(const Samples& in, ContenderSummary& s) {
  std::vector<double> spreads;
  for (const auto& [task, gs] : in.by_task) {
    if (gs.size() < 2) continue;
    const auto [lo, hi] = std::minmax_element(gs.begin(), gs.end());
    ++s.repeated_tasks;
    s.identical_tasks += *lo == *hi;
    s.max_spread = std::max(s.max_spread, *hi - *lo);
    spreads.push_back(*hi - *lo);
  }
  s.mean_spread = core::mean(spreads);
}

void finish_contender(Samples& in, ContenderSummary& s) {
  s.mean_grade = core::mean(in.grades);
  s.sd_grade = core::stddev(in.grades);
  s.grade_ci = core::bootstrap_mean_ci(in.grades);
  const auto w = core::summarize(in.walls);
  s.wall_median = w.median;
  s.wall_p25 = w.p25;
  s.wall_p75 = w.p75;
  s.setup_median = core::median(in.setups);
  s.split = mean_split(in.splits);
  s.turns = mean_of(in.turns);
  s.input_tokens = mean_of(in.input_tokens);
  s.output_tokens = mean_of(in.output_tokens);
  if (!in.costs.empty()) {
    s.cost_total = core::mean(in.costs) * static_cast<double>(in.costs.size());
    s.cost_per_attempt = core::mean(in.costs);
  }
  consistency(in, s);
  std::sort(in.solid_walls.begin(), in.solid_walls.end());
  for (std::size_t i = 0; i < in.solid_walls.size(); ++i)
    s.budget_curve.push_back({in.solid_walls[i], static_cast<double>(i + 1) / s.graded});
}

// Over the agents: the references (oracle, nop) would sit on it by construction and hide
// the agents' own trade-off. A race of references alone gets a front of references.
void mark_front(RaceSummary& rs) {
  const auto any_graded = [&](bool reference) {
    return std::any_of(rs.contenders.begin(), rs.contenders.end(), [&](const ContenderSummary& c) {
      return c.graded && is_reference(c.scaffold) == reference;
    });
  };
  const bool any_agent = any_graded(false);
  rs.front_leaves_out_references = any_agent && any_graded(true);
  std::vector<core::Point> points;
  std::vector<std::size_t> who;
  for (std::size_t i = 0; i < rs.contenders.size(); ++i) {
    const auto& c = rs.contenders[i];
    if (!c.graded || (any_agent && is_reference(c.scaffold))) continue;
    points.push_back({c.wall_median, c.mean_grade});
    who.push_back(i);
  }
  for (std::size_t p : core::pareto_front(points)) {
    rs.contenders[who[p]].on_front = true;
    rs.front.push_back(rs.contenders[who[p]].name);
  }
}

}  // namespace

std::optional<int> automatic_grade(const store::AttemptRecord& a) {
  if (a.grade && (a.grade_source.empty() || a.grade_source == "auto")) return a.grade;
  if (!a.auto_grade) return std::nullopt;
  return grade::apply_hygiene(*a.auto_grade, a.hygiene);
}

std::optional<int> human_grade(const store::AttemptRecord& a) {
  return a.grade_source == "human" ? a.grade : std::nullopt;
}

std::vector<SourceAgreement> source_agreement(const std::vector<store::AttemptRecord>& attempts) {
  using Source = std::pair<const char*, std::optional<int> (*)(const store::AttemptRecord&)>;
  const Source sources[] = {{"automatic", automatic_grade},
                            {"judge", [](const store::AttemptRecord& a) { return a.judge_grade; }},
                            {"human", human_grade}};
  std::vector<SourceAgreement> out;
  for (std::size_t i = 0; i < std::size(sources); ++i)
    for (std::size_t j = i + 1; j < std::size(sources); ++j) {
      std::vector<std::pair<int, int>> pairs;
      for (const auto& a : attempts) {
        if (a.state == store::AttemptState::infra_error) continue;
        const auto x = sources[i].second(a), y = sources[j].second(a);
        if (x && y) pairs.emplace_back(*x, *y);
      }
      if (!pairs.empty()) out.push_back({sources[i].first, sources[j].first, core::agreement(pairs, 4)});
    }
  return out;
}

std::string to_string(HostKind k) {
  switch (k) {
    case HostKind::local: return "local";
    case HostKind::hosted: return "hosted";
    case HostKind::unknown: break;
  }
  return "unknown";
}

namespace {

// summarize's working state: the summary it fills and the samples behind its figures.
struct Tally {
  RaceSummary rs;
  std::map<std::string, std::size_t> index;  // contender name -> position
  std::vector<const record::Price*> prices;
  std::vector<Samples> samples;
  std::map<std::string, CallUsage> usage;
  std::map<std::string, TaskRowSummary> tasks;
};

void count_graded(const store::AttemptRecord& a, std::size_t who, Tally& t) {
  auto& s = t.rs.contenders[who];
  if (auto why = grade::tampered_detail(a.hygiene); !why.empty()) {
    ++s.tampered;
    t.rs.tampered.push_back({a.task_id, a.contender, a.repeat, std::move(why)});
  }
  ++t.rs.final_sources[a.grade_source.empty() ? "auto" : a.grade_source];
  ++s.graded;
  ++s.counts[static_cast<std::size_t>(*a.grade)];
  t.tasks[a.task_id].grades[a.contender][static_cast<std::size_t>(a.repeat)] = *a.grade;
  const auto u = t.usage.find(a.id);
  add_graded(a, u == t.usage.end() ? nullptr : &u->second, *t.prices[who], t.samples[who]);
}

void count_attempt(const store::AttemptRecord& a, Tally& t) {
  const auto found = t.index.find(a.contender);
  if (found == t.index.end()) return;
  auto& rs = t.rs;
  auto& s = rs.contenders[found->second];
  ++rs.attempts;
  auto& cell = t.tasks[a.task_id].grades[a.contender];
  if (cell.size() <= static_cast<std::size_t>(a.repeat)) cell.resize(static_cast<std::size_t>(a.repeat) + 1, -1);
  if (a.state == store::AttemptState::planned || a.state == store::AttemptState::running) {
    ++s.pending;
    ++rs.pending;
    return;
  }
  ++rs.finished;
  ++s.attempts;
  if (a.failure != store::FailureClass::none) {
    ++s.failures[store::to_string(a.failure)];
    ++rs.failures[store::to_string(a.failure)];
  }
  if (a.state == store::AttemptState::infra_error) {
    ++s.infra_errors;
    return;
  }
  if (a.grade) count_graded(a, found->second, t);
}

// Per-contender figures, the front, and the budgets. The budgets span the agents'
// wall-clocks (the references' few ms would spend half the columns on budgets no agent
// meets); a race of references alone spans theirs.
void finish_tally(Tally& t) {
  auto& rs = t.rs;
  std::vector<double> agent_walls, reference_walls;
  for (std::size_t i = 0; i < rs.contenders.size(); ++i) {
    finish_contender(t.samples[i], rs.contenders[i]);
    if (rs.contenders[i].cost_per_attempt)
      rs.contenders[i].cost_basis = t.prices[i]->input_per_mtok || t.prices[i]->output_per_mtok ? "tokens" : "hourly";
    auto& walls = is_reference(rs.contenders[i].scaffold) ? reference_walls : agent_walls;
    walls.insert(walls.end(), t.samples[i].walls.begin(), t.samples[i].walls.end());
  }
  mark_front(rs);
  if (const auto& walls = agent_walls.empty() ? reference_walls : agent_walls; !walls.empty()) {
    const auto [lo, hi] = std::minmax_element(walls.begin(), walls.end());
    rs.budgets = render::budget_grid(*lo, *hi);
  }
  for (auto& [id, row] : t.tasks) {
    row.task_id = id;
    rs.tasks.push_back(row);
  }
}

}  // namespace

RaceSummary summarize(const std::vector<store::ContenderRow>& contenders,
                      const std::vector<store::AttemptRecord>& attempts, const std::vector<store::CallRow>& calls) {
  Tally t;
  for (const auto& c : contenders) {
    ContenderSummary s;
    s.name = c.name;
    s.scaffold = c.scaffold;
    t.prices.push_back(&read_config(c, s));
    t.index[c.name] = t.rs.contenders.size();
    t.rs.contenders.push_back(std::move(s));
  }
  t.usage = usage_by_attempt(calls);
  t.samples.resize(t.rs.contenders.size());
  for (const auto& a : attempts) count_attempt(a, t);
  finish_tally(t);
  t.rs.agreement = source_agreement(attempts);
  return std::move(t.rs);
}

std::vector<ScaffoldControl> scaffold_controls(const RaceSummary& rs) {
  std::vector<ScaffoldControl> out;
  for (const auto& c : rs.contenders) {
    if (c.model.empty() || c.endpoint.empty()) continue;
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const ScaffoldControl& g) { return g.model == c.model && g.endpoint == c.endpoint; });
    if (it == out.end()) it = out.insert(out.end(), ScaffoldControl{c.model, c.endpoint, {}});
    it->contenders.push_back(c);
  }
  std::erase_if(out, [](const ScaffoldControl& g) {
    return std::none_of(g.contenders.begin(), g.contenders.end(),
                        [&](const ContenderSummary& c) { return c.scaffold != g.contenders.front().scaffold; });
  });
  return out;
}

std::vector<double> budget_shares(const ContenderSummary& s, const std::vector<double>& budgets) {
  std::vector<double> walls;
  for (const auto& step : s.budget_curve) walls.push_back(step.t);
  return core::share_within(walls, static_cast<std::size_t>(s.graded), budgets);
}

bool is_simulated(const store::RaceRow& race, const std::vector<store::ContenderRow>& contenders) {
  if (race.spec.simulated() || race.host.simulated.value_or(false)) return true;
  return std::any_of(contenders.begin(), contenders.end(),
                     [](const store::ContenderRow& c) { return record::is_simulated(c.config); });
}

}  // namespace agentrace::report
