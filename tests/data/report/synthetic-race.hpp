#pragma once
// A synthetic race written through the Store API, for the site test and the report
// benchmark: deterministic (fixed-seed generator), with local and hosted contenders,
// proxy call records, time splits, test outcomes, an infrastructure error and a pending
// attempt. Header-only so tests and bench/ share it.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/stats.hpp"
#include "proxy/call-record.hpp"
#include "store/store.hpp"

namespace agentrace::test {

struct SyntheticOptions {
  int tasks = 6;
  int repeats = 3;
  bool simulated = false;
  bool with_calls = true;
  std::string race_name = "synthetic";
};

struct SyntheticContender {
  const char* name;
  const char* scaffold;
  const char* model;
  const char* labels;       // JSON array
  const char* cost;         // JSON members merged into the config
  double p_grade[4];        // chance of Miss, Basic, Solid, Complete
  double median_wall_s;
  bool agent_reports_usage;
};

inline const std::vector<SyntheticContender>& synthetic_contenders() {
  static const std::vector<SyntheticContender> kContenders = {
      {"oracle", "oracle", "", R"([])", "", {0, 0, 0, 1}, 0.4, false},
      {"qwen-opencode", "opencode", "qwen3-coder-30b", R"(["local","1x RTX 4090"])", R"("hourly_usd":0.8)",
       {0.3, 0.2, 0.3, 0.2}, 95, true},
      {"sonnet-claude-code", "claude-code", "claude-sonnet-4.5", R"(["hosted"])",
       R"("price":{"input_per_mtok":3,"output_per_mtok":15})", {0.1, 0.1, 0.3, 0.5}, 140, false},
      {"mini-codex", "codex", "gpt-5-mini", R"(["hosted"])", R"("price":{"input_per_mtok":0.25,"output_per_mtok":2})",
       {0.25, 0.15, 0.4, 0.2}, 48, true},
  };
  return kContenders;
}

class SyntheticRace {
 public:
  SyntheticRace(store::Store& db, SyntheticOptions opts) : db_(db), opts_(std::move(opts)), rng_(0xa11ce) {}

  // Writes the race; returns its row.
  store::RaceRow write() {
    store::RaceRow race{"race-" + opts_.race_name, opts_.race_name, "/suites/synthetic", "synthetic",
                        "2026-01-02T03:04:05.000Z", "bwrap", spec(),
                        nlohmann::json::parse(R"({"agentrace":"0.1.0","host":"benchhost","cpu":"Synthetic CPU",)"
                                              R"("cores":2,"kernel":"6.1.0"})")
                            .get<core::HostInfo>()};
    db_.put_race(race);
    for (const auto& c : synthetic_contenders()) db_.put_contender({race.id, c.name, c.scaffold, config(c)});
    for (int t = 0; t < opts_.tasks; ++t) db_.put_task(task_row(t), race.id);
    std::vector<store::AttemptRecord> plan;
    for (int t = 0; t < opts_.tasks; ++t)
      for (const auto& c : synthetic_contenders())
        for (int r = 0; r < opts_.repeats; ++r) plan.push_back(planned(race.id, t, c, r));
    db_.plan(plan);
    for (std::size_t i = 0; i + 1 < plan.size(); ++i) finish(plan[i], synthetic_contenders()[(i / opts_.repeats) % synthetic_contenders().size()], i);
    return race;  // the last attempt stays planned (pending)
  }

  static std::string task_id(int t) { return fmt::format("task-{:04d}", t); }

 private:
  double uniform() { return static_cast<double>(rng_.next() >> 11) / 9007199254740992.0; }

  record::Race spec() const {
    record::Race r;
    r.name = opts_.race_name;
    r.repeats = opts_.repeats;
    for (const auto& c : synthetic_contenders()) r.contenders.push_back(config(c));
    if (opts_.simulated) r.judge = record::Judge{"judge-model", {"", "openai-chat", "", "zero"}};
    return r;
  }

  static record::ContenderConfig config(const SyntheticContender& c) {
    return nlohmann::json::parse(
        fmt::format(R"({{"name":"{}","scaffold":"{}","model":"{}","labels":{},"notes":"set up as people run it",)"
                    R"("command":["{}","run"],"env_keys":["API_KEY"]{}{}}})",
                    c.name, c.scaffold, c.model, c.labels, c.scaffold, *c.cost ? "," : "", c.cost))
        .get<record::ContenderConfig>();
  }

  static store::TaskRow task_row(int t) {
    const auto id = task_id(t);
    nlohmann::json j = {{"id", id}, {"title", fmt::format("Bug number {}", t)}, {"language", t % 2 ? "python" : "cpp"},
                        {"statement", fmt::format("The parser drops the last record when the input has {} lines.", t + 2)},
                        {"grades", {{"miss", "still drops it"}, {"basic", "symptom patched"}, {"solid", "tests pass"},
                                    {"complete", "edge cases and a clean diff"}}},
                        {"repo", fmt::format("repo-{}", t % 3)},
                        {"tests", {{{"tier", "fail_to_pass"}, {"name", "last_record"}, {"cmd", "make test-last"}}}},
                        {"agent_seconds", 900},
                        {"fix", fix_patch(t)}};
    return {fmt::format("hash-{}", id), id, fmt::format("Bug number {}", t), t % 2 ? "python" : "cpp",
            j.get<record::TaskCard>()};
  }

  static std::string fix_patch(int t) {
    return fmt::format("diff --git a/src/parse.py b/src/parse.py\n--- a/src/parse.py\n+++ b/src/parse.py\n"
                       "@@ -{0},3 +{0},3 @@\n def records(lines):\n-    return lines[:-1]\n+    return lines\n", 10 + t);
  }

  store::AttemptRecord planned(const std::string& race_id, int t, const SyntheticContender& c, int r) const {
    store::AttemptRecord a;
    a.id = fmt::format("{}-{}-{}", task_id(t), c.name, r);
    a.race_id = race_id;
    a.task_id = task_id(t);
    a.task_hash = "hash-" + a.task_id;
    a.contender = c.name;
    a.repeat = r;
    return a;
  }

  int draw_grade(const SyntheticContender& c) {
    double u = uniform();
    for (int g = 0; g < 4; ++g) {
      if (u < c.p_grade[g]) return g;
      u -= c.p_grade[g];
    }
    return 3;
  }

  void finish(store::AttemptRecord a, const SyntheticContender& c, std::size_t i) {
    db_.mark_running(a.id, "2026-01-02T03:05:00.000Z", "benchhost");
    a.ended_at = "2026-01-02T03:07:00.000Z";
    a.setup_s = 0.15 + 0.1 * uniform();
    a.wall_s = c.median_wall_s * std::exp(0.6 * (uniform() + uniform() - 1));
    if (i == 7) {  // one infrastructure failure, never graded
      a.state = store::AttemptState::infra_error;
      a.failure = store::FailureClass::sandbox;
      a.failure_detail = "bwrap: cannot mount /workspace";
      db_.finish(a, {});
      return;
    }
    a.state = store::AttemptState::done;
    a.grade = draw_grade(c);
    a.grade_source = "auto";
    a.auto_grade = a.grade;
    if (i % 4 == 1) judge(a, i);
    a.grade_detail = *a.grade >= 2 ? "fail_to_pass: all pass" : "fail_to_pass: 0 of 1 pass";
    a.exit_code = 0;
    a.diff = fix_patch(static_cast<int>(i % 7));
    a.changed_files = {"src/parse.py"};
    if (*c.model && opts_.with_calls) add_calls(a, c);
    db_.finish(a, {{a.id, "fail_to_pass", "last_record", *a.grade >= 2, *a.grade >= 2 ? 0 : 1, false, 0.8, "ok\n"}});
  }

  // Every fourth attempt is judged: the judge agrees, or (every eighth) is one lower,
  // which caps the final grade.
  static void judge(store::AttemptRecord& a, std::size_t i) {
    a.judge_grade = std::max(*a.grade - (i % 8 == 1 ? 1 : 0), 0);
    a.judge = record::JudgeVerdict{a.judge_grade, "synthetic", 1, ""};
    a.grade = std::min(*a.grade, *a.judge_grade);
    a.grade_source = "judge";
  }

  void add_calls(store::AttemptRecord& a, const SyntheticContender& c) {
    const int n = 3 + static_cast<int>(uniform() * 8);
    const double model = 0.6 * a.wall_s, tool = 0.25 * a.wall_s, per_call = model / n, gap = tool / n;
    std::int64_t in_total = 0, out_total = 0;
    for (int k = 0; k < n; ++k) {
      store::CallRow call;
      call.attempt_id = a.id;
      call.sequence = k;
      call.protocol = "openai-chat";
      call.model = c.model;
      call.status = 200;
      call.error = "none";
      call.start_mono_ns = static_cast<std::int64_t>((0.5 + k * (per_call + gap)) * 1e9);
      call.first_content_ms = per_call * 300;
      call.end_ms = per_call * 1000;
      call.input_tokens = 2000 + 1500 * k;
      call.output_tokens = 200 + static_cast<std::int64_t>(uniform() * 400);
      call.record_json = record_json(call);
      in_total += *call.input_tokens;
      out_total += *call.output_tokens;
      db_.put_call(call);
    }
    a.calls = n;
    a.time_split = record::TimeSplit{a.wall_s, model, tool, a.wall_s - model - tool, 0.05 * model, a.setup_s};
    if (c.agent_reports_usage) {
      a.agent.turns = n;
      a.agent.input_tokens = in_total;
      a.agent.output_tokens = out_total;
      a.agent.error_message = "Fixed the off-by-one in records().";
    }
  }

  // The proxy's whole record, one chunk sample per output token as in a real stream:
  // the raw samples a store keeps and a report should not have to load.
  static std::string record_json(const store::CallRow& call) {
    proxy::CallRecord r;
    r.attempt_id = call.attempt_id;
    r.sequence = static_cast<std::uint64_t>(call.sequence);
    r.protocol = call.protocol;
    r.model = call.model;
    r.stream = true;
    r.start_mono_ns = call.start_mono_ns;
    r.first_content_ms = call.first_content_ms;
    r.end_ms = call.end_ms;
    r.input_tokens = call.input_tokens;
    r.output_tokens = call.output_tokens;
    r.status = call.status;
    const auto n = *call.output_tokens;
    const double step_ms = (call.end_ms - call.first_content_ms) / static_cast<double>(n);
    for (std::int64_t k = 0; k < n; ++k)
      r.chunks.push_back({static_cast<std::int64_t>((call.first_content_ms + step_ms * static_cast<double>(k)) * 1e6),
                          static_cast<std::uint32_t>(90 + k % 40)});
    return proxy::to_json_line(r);
  }

  store::Store& db_;
  SyntheticOptions opts_;
  core::SplitMix64 rng_;
};

}  // namespace agentrace::test
