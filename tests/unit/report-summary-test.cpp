// Report statistics over hand-made attempts, against hand-computed figures:
//   local-a (labels local, $3.60/h): t1 grades 3 3 (walls 10, 20 s, with time splits and
//     agent usage), t2 grades 1 2 (walls 30, 40 s, nothing else).
//   hosted-b (labels hosted, $2 / $10 per Mtok): t1 r0 grade 2 in 5 s with two proxy
//     calls (300 in, 30 out), t1 r1 sandbox infra error, t2 r0 Miss timed out in 8 s,
//     t2 r1 still planned.
//   plain-c (no labels): two Completes at 100 s.  slow-d: one Basic at 200 s.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "render/scale.hpp"
#include "report/race-data.hpp"
#include "report/report.hpp"
#include "report/summary.hpp"
#include "support/test-support.hpp"

namespace agentrace::report {
namespace {

using store::AttemptRecord;
using store::AttemptState;

AttemptRecord attempt(const std::string& c, const std::string& task, int repeat, std::optional<int> grade, double wall,
                      std::string split = "", std::string agent = "") {
  AttemptRecord a;
  a.id = fmt::format("{}-{}-{}", task, c, repeat);
  a.task_id = task;
  a.contender = c;
  a.repeat = repeat;
  a.state = AttemptState::done;
  a.grade = grade;
  a.wall_s = wall;
  a.setup_s = 0.5;
  if (!split.empty()) a.time_split = test::parse_record<record::TimeSplit>(split);
  if (!agent.empty()) a.agent = test::parse_record<record::AgentReport>(agent);
  return a;
}

record::ContenderConfig config(const std::string& json) { return test::parse_record<record::ContenderConfig>(json); }

store::CallRow call(const std::string& attempt_id, int seq, std::int64_t in, std::int64_t out) {
  store::CallRow c;
  c.attempt_id = attempt_id;
  c.sequence = seq;
  c.input_tokens = in;
  c.output_tokens = out;
  return c;
}

class Summary : public ::testing::Test {
 protected:
  void SetUp() override {
    contenders_ = {{"r", "local-a", "opencode", config(R"({"model":"m1","labels":["local"],"hourly_usd":3.6})")},
                   {"r", "hosted-b", "claude-code",
                    config(R"({"model":"m2","labels":["hosted"],"price":{"input_per_mtok":2,"output_per_mtok":10}})")},
                   {"r", "plain-c", "command", config("{}")},
                   {"r", "slow-d", "command", {}}};
    attempts_ = {
        attempt("local-a", "t1", 0, 3, 10,
                R"({"model_s":6,"tool_s":3,"scaffold_s":1,"network_s":0.5,"setup_s":0.2,"wall_s":10,"calls":3,"server_timed_calls":3})",
                R"({"turns":4,"input_tokens":1000,"output_tokens":100})"),
        attempt("local-a", "t1", 1, 3, 20,
                R"({"model_s":12,"tool_s":6,"scaffold_s":2,"network_s":1,"setup_s":0.4,"wall_s":20})",
                R"({"turns":6,"input_tokens":3000,"output_tokens":300})"),
        attempt("local-a", "t2", 0, 1, 30),
        attempt("local-a", "t2", 1, 2, 40),
        attempt("hosted-b", "t1", 0, 2, 5,
                R"({"model_s":4,"tool_s":0.5,"scaffold_s":0.5,"network_s":0.01,"setup_s":0.1,"wall_s":5,"calls":2,"server_timed_calls":0})"),
        attempt("hosted-b", "t1", 1, std::nullopt, 0),
        attempt("hosted-b", "t2", 0, 0, 8),
        attempt("hosted-b", "t2", 1, std::nullopt, 0),
        attempt("plain-c", "t1", 0, 3, 100),
        attempt("plain-c", "t1", 1, 3, 100),
        attempt("slow-d", "t1", 0, 1, 200),
    };
    attempts_[5].state = AttemptState::infra_error;
    attempts_[5].failure = store::FailureClass::sandbox;
    attempts_[6].state = AttemptState::timed_out;
    attempts_[6].failure = store::FailureClass::timeout;
    attempts_[7].state = AttemptState::planned;
    // Grade provenance (final grades unchanged): local-a t1 r1 and t2 r1 judged, the
    // latter after a hygiene flag (automatic 3 -> 2); plain-c's two reviewed by a human;
    // the infra error's judge grade never counts.
    const auto judged = [&](std::size_t i, const char* source, int automatic, int judge, const char* hygiene) {
      attempts_[i].grade_source = source;
      attempts_[i].auto_grade = automatic;
      attempts_[i].judge_grade = judge;
      attempts_[i].hygiene = test::parse_record<std::vector<record::HygieneFlag>>(hygiene);
    };
    judged(1, "judge", 3, 3, "[]");
    judged(3, "judge", 3, 2, R"([{"check":"debug_leftovers","detail":"src/x.py:3"}])");
    judged(8, "human", 2, 3, "[]");
    judged(9, "human", 3, 3, "[]");
    attempts_[5].judge_grade = 1;
    calls_ = {call("t1-hosted-b-0", 0, 100, 10), call("t1-hosted-b-0", 1, 200, 20)};
    rs_ = summarize(contenders_, attempts_, calls_);
  }
  const ContenderSummary& c(std::size_t i) const { return rs_.contenders.at(i); }

  std::vector<store::ContenderRow> contenders_;
  std::vector<AttemptRecord> attempts_;
  std::vector<store::CallRow> calls_;
  RaceSummary rs_;
};

TEST_F(Summary, GradesWallAndKind) {
  EXPECT_EQ(c(0).kind, HostKind::local);
  EXPECT_EQ(c(1).kind, HostKind::hosted);
  EXPECT_EQ(c(2).kind, HostKind::unknown);
  EXPECT_EQ(c(0).labels, (std::vector<std::string>{"local"}));
  EXPECT_DOUBLE_EQ(c(0).mean_grade, 2.25);                 // (3 + 3 + 1 + 2) / 4
  EXPECT_DOUBLE_EQ(c(0).wall_median, 25);                  // [10 20 30 40]
  EXPECT_DOUBLE_EQ(c(0).wall_p25, 17.5);                   // 10 + 0.75 * 10
  EXPECT_DOUBLE_EQ(c(0).wall_p75, 32.5);
  const auto ci = core::bootstrap_mean_ci({3, 3, 1, 2});
  EXPECT_EQ(c(0).grade_ci.lo, ci.lo);
  EXPECT_EQ(c(0).grade_ci.hi, ci.hi);
  EXPECT_LE(ci.lo, 2.25);
  EXPECT_GE(ci.hi, 2.25);
  EXPECT_EQ(c(1).graded, 2);
  EXPECT_EQ(c(1).attempts, 3);
  EXPECT_EQ(c(1).pending, 1);
  EXPECT_EQ(c(1).infra_errors, 1);
  EXPECT_DOUBLE_EQ(c(1).mean_grade, 1.0);
  EXPECT_DOUBLE_EQ(c(1).wall_median, 6.5);
  EXPECT_EQ(c(1).failures, (std::map<std::string, int>{{"sandbox", 1}, {"timeout", 1}}));
}

TEST_F(Summary, TimeSplitMeansOverAttemptsThatHaveOne) {
  ASSERT_TRUE(c(0).split);
  const auto& s = *c(0).split;
  EXPECT_EQ(s.attempts, 2);
  EXPECT_DOUBLE_EQ(s.model_s, 9);
  EXPECT_DOUBLE_EQ(s.tool_s, 4.5);
  EXPECT_DOUBLE_EQ(s.scaffold_s, 1.5);
  EXPECT_DOUBLE_EQ(s.network_s, 0.75);
  EXPECT_DOUBLE_EQ(s.setup_s, 0.3);
  EXPECT_DOUBLE_EQ(s.wall_s, 15);
  EXPECT_FALSE(c(2).split);
}

// The references sit on the front by construction (oracle: the shipped fix at no cost),
// so the front is over the agents; a race of references alone still gets one.
TEST(SummaryFront, IsOverTheAgentsAndLeavesTheReferencesOut) {
  const std::vector<store::ContenderRow> all = {
      {"r", "oracle", "oracle", {}}, {"r", "nop", "nop", {}}, {"r", "fast", "command", {}}, {"r", "good", "command", {}}};
  const std::vector<AttemptRecord> attempts = {attempt("oracle", "t1", 0, 3, 0.01), attempt("nop", "t1", 0, 0, 0.01),
                                               attempt("fast", "t1", 0, 1, 5), attempt("good", "t1", 0, 3, 50)};
  const auto rs = summarize(all, attempts, {});
  EXPECT_EQ(rs.front, (std::vector<std::string>{"fast", "good"}));
  EXPECT_FALSE(rs.contenders[0].on_front);
  EXPECT_TRUE(rs.front_leaves_out_references);
  const auto refs = summarize({all[0], all[1]}, {attempts[0], attempts[1]}, {});
  EXPECT_EQ(refs.front, (std::vector<std::string>{"oracle"}));
  EXPECT_FALSE(refs.front_leaves_out_references);
}

// Network is a lower bound where calls lacked server timings; splits stored before the
// count was kept (local-a's second attempt) say nothing either way.
TEST_F(Summary, NetworkIsMarkedALowerBoundWhereServersReportedNoTimings) {
  EXPECT_EQ(c(0).split->calls, 3);
  EXPECT_EQ(c(0).split->server_timed_calls, 3);
  EXPECT_FALSE(c(0).split->network_lower_bound());
  ASSERT_TRUE(c(1).split);
  EXPECT_EQ(c(1).split->calls, 2);
  EXPECT_TRUE(c(1).split->network_lower_bound());
}

TEST_F(Summary, TurnsTokensAndCost) {
  EXPECT_DOUBLE_EQ(*c(0).turns, 5);
  EXPECT_DOUBLE_EQ(*c(0).input_tokens, 2000);
  EXPECT_DOUBLE_EQ(*c(0).output_tokens, 200);
  // hourly: $3.60 / h x (10 + 20 + 30 + 40) s = $0.10 over four attempts.
  EXPECT_EQ(c(0).cost_basis, "hourly");
  EXPECT_NEAR(*c(0).cost_total, 0.1, 1e-12);
  EXPECT_NEAR(*c(0).cost_per_attempt, 0.025, 1e-12);
  // From the proxy's calls: 2 turns, 300 in, 30 out -> (300 x 2 + 30 x 10) / 1e6 = $0.0009.
  EXPECT_DOUBLE_EQ(*c(1).turns, 2);
  EXPECT_DOUBLE_EQ(*c(1).input_tokens, 300);
  EXPECT_DOUBLE_EQ(*c(1).output_tokens, 30);
  EXPECT_EQ(c(1).cost_basis, "tokens");
  EXPECT_NEAR(*c(1).cost_total, 0.0009, 1e-15);
  EXPECT_FALSE(c(2).turns);
  EXPECT_FALSE(c(2).cost_total);
  EXPECT_EQ(c(2).cost_basis, "");
}

TEST_F(Summary, ConsistencyAcrossRepeats) {
  EXPECT_EQ(c(0).repeated_tasks, 2);  // t1: 3 3, t2: 1 2
  EXPECT_EQ(c(0).identical_tasks, 1);
  EXPECT_DOUBLE_EQ(c(0).mean_spread, 0.5);
  EXPECT_EQ(c(0).max_spread, 1);
  EXPECT_EQ(c(1).repeated_tasks, 0);  // never two graded repeats of a task
  EXPECT_EQ(c(2).repeated_tasks, 1);
  EXPECT_EQ(c(2).identical_tasks, 1);
}

TEST_F(Summary, ParetoFrontAndBudgets) {
  // (median wall, mean grade): a (25, 2.25), b (6.5, 1), c (100, 3), d (200, 1).
  EXPECT_EQ(rs_.front, (std::vector<std::string>{"hosted-b", "local-a", "plain-c"}));
  EXPECT_TRUE(c(0).on_front);
  EXPECT_FALSE(c(3).on_front);
  ASSERT_EQ(c(0).budget_curve.size(), 3u);  // Solid or better at 10, 20, 40 s of 4 graded
  EXPECT_DOUBLE_EQ(c(0).budget_curve[0].t, 10);
  EXPECT_DOUBLE_EQ(c(0).budget_curve[0].share, 0.25);
  EXPECT_DOUBLE_EQ(c(0).budget_curve[2].t, 40);
  EXPECT_DOUBLE_EQ(c(0).budget_curve[2].share, 0.75);
  EXPECT_EQ(budget_shares(c(0), {5, 10, 20, 50}), (std::vector<double>{0, 0.25, 0.5, 0.75}));
  EXPECT_EQ(budget_shares(c(1), {5}), (std::vector<double>{0.5}));
  // graded walls run from 5 to 200 s: a 1-2-5 grid from 5 up to 200.
  EXPECT_EQ(rs_.budgets, (std::vector<double>{5, 10, 20, 50, 100, 200}));
}

TEST_F(Summary, GradeSourcesAndAgreement) {
  EXPECT_EQ(rs_.final_sources, (std::map<std::string, int>{{"auto", 5}, {"judge", 2}, {"human", 2}}));
  EXPECT_EQ(automatic_grade(attempts_[0]), 3);  // source auto: the final grade
  EXPECT_EQ(automatic_grade(attempts_[3]), 2);  // tiers 3, one hygiene flag
  EXPECT_EQ(human_grade(attempts_[8]), 3);
  EXPECT_EQ(human_grade(attempts_[1]), std::nullopt);
  ASSERT_EQ(rs_.agreement.size(), 3u);
  const auto& aj = rs_.agreement[0];
  EXPECT_EQ(aj.first, "automatic");
  EXPECT_EQ(aj.second, "judge");
  // (3,3) (2,2) (2,3) (3,3): po 3/4; rows 2 2, columns 1 3 -> pe 1/2 -> kappa 1/2. Linear
  // weights (one apart = 2/3): po 11/12, pe 5/6 -> 1/2.
  EXPECT_EQ(aj.stats.n, 4u);
  EXPECT_DOUBLE_EQ(aj.stats.exact, 0.75);
  EXPECT_NEAR(*aj.stats.kappa, 0.5, 1e-12);
  EXPECT_NEAR(*aj.stats.weighted_kappa, 0.5, 1e-12);
  EXPECT_EQ(aj.stats.confusion[2], (std::vector<int>{0, 0, 1, 1}));
  EXPECT_EQ(aj.stats.confusion[3], (std::vector<int>{0, 0, 0, 2}));
  // automatic vs human: (2,3) (3,3): po 1/2 = pe -> 0.
  EXPECT_EQ(rs_.agreement[1].second, "human");
  EXPECT_EQ(rs_.agreement[1].stats.n, 2u);
  EXPECT_NEAR(*rs_.agreement[1].stats.kappa, 0.0, 1e-12);
  // judge vs human: both 3 on both attempts: full agreement, kappa undefined.
  const auto& jh = rs_.agreement[2];
  EXPECT_EQ(jh.first, "judge");
  EXPECT_DOUBLE_EQ(jh.stats.exact, 1.0);
  EXPECT_FALSE(jh.stats.kappa);
  EXPECT_FALSE(jh.stats.weighted_kappa);
}

// Every section of the markdown and JSON exports, for a simulated race (goldens: check
// them by eye when they change).
TEST_F(Summary, RichExportsGolden) {
  RaceData d;
  d.race = {"race-rich", "rich", "/suites/x", "x", "2026-01-02T03:04:05.000Z", "bwrap",
            test::parse_record<record::Race>(R"({"repeats":2,"judge":{"model":"j","sim":"zero"}})"),
            test::parse_record<core::HostInfo>(R"({"agentrace":"0.1.0","host":"testhost"})")};
  d.contenders = contenders_;
  d.tasks = {{"h1", "t1", "T1", "python", {}}, {"h2", "t2", "T2", "python", {}}};
  d.attempts = attempts_;
  d.calls = calls_;
  d.simulated = is_simulated(d.race, d.contenders);
  d.summary = rs_;
  d.summary.simulated = d.simulated;
  d.repeats = 2;
  d.context = context_line(d.race);
  const auto md = render(d, {Format::markdown, false});
  EXPECT_EQ(test::compare_golden("report-rich.md", md), "");
  EXPECT_NE(md.find("**Simulated endpoint:**"), std::string::npos);
  EXPECT_NE(md.find("| judge vs human     |        2 |        100% |                    n/a |                 n/a |"),
            std::string::npos)
      << md;
  EXPECT_EQ(test::compare_golden("report-rich.json", render(d, {Format::json, false})), "");
  EXPECT_EQ(test::compare_golden("report-rich.csv", render(d, {Format::csv, false})), "");
}

TEST(SummaryFlags, SimulatedFromSpecHostOrLabels) {
  store::RaceRow race;
  EXPECT_FALSE(is_simulated(race, {}));
  race.spec = test::parse_record<record::Race>(R"({"contenders":[{"endpoint":{"sim":"zero"}}]})");
  EXPECT_TRUE(is_simulated(race, {}));
  race.spec = test::parse_record<record::Race>(R"({"judge":{"model":"j","sim":"local"}})");
  EXPECT_TRUE(is_simulated(race, {}));
  race.spec = test::parse_record<record::Race>(R"({"contenders":[{"endpoint":{"url":"http://gpu:8000"}}]})");
  race.host.simulated = false;
  EXPECT_FALSE(is_simulated(race, {}));
  race.host.simulated = true;
  EXPECT_TRUE(is_simulated(race, {}));
  race.host.simulated.reset();
  EXPECT_TRUE(is_simulated(race, {{"r", "x", "builtin", config(R"({"labels":["local","simulated"]})")}}));
  EXPECT_FALSE(is_simulated(race, {{"r", "x", "builtin", config(R"({"labels":["local"]})")}}));
}

TEST(Scale, BudgetGridAndTimeAxes) {
  EXPECT_EQ(render::budget_grid(0.3, 45), (std::vector<double>{0.2, 0.5, 1, 2, 5, 10, 20, 50}));
  EXPECT_EQ(render::budget_grid(5, 5), (std::vector<double>{5}));
  const auto wide = render::budget_grid(0.01, 1000);  // 1-2-5 and 1-3 would be too many: decades
  const std::vector<double> decades = {0.01, 0.1, 1, 10, 100, 1000};
  ASSERT_EQ(wide.size(), decades.size());
  for (std::size_t i = 0; i < wide.size(); ++i) EXPECT_NEAR(wide[i], decades[i], 1e-12);
  const auto lin = render::time_scale(2, 15, 0, 100);  // under a decade: linear from 0
  EXPECT_FALSE(lin.log);
  EXPECT_EQ(lin.lo, 0);
  EXPECT_EQ(lin.hi, 20);  // step 5 (15 / 5 = 3 -> 5), 15 x 1.05 rounded up to a step
  EXPECT_EQ(lin.ticks(), (std::vector<double>{0, 5, 10, 15, 20}));
  const auto log = render::time_scale(0.5, 120, 0, 100);  // more than a decade: log, widened to decades
  EXPECT_TRUE(log.log);
  EXPECT_EQ(log.lo, 0.1);
  EXPECT_EQ(log.hi, 1000);
  EXPECT_DOUBLE_EQ(log(1), 25);
  EXPECT_DOUBLE_EQ(log(100), 75);
  EXPECT_EQ(render::duration_label(0.25), "250 ms");
  EXPECT_EQ(render::duration_label(2), "2 s");
  EXPECT_EQ(render::duration_label(1.5), "1.5 s");
  EXPECT_EQ(render::duration_label(300), "300 s");
  EXPECT_EQ(render::duration_label(1800), "30 min");
  EXPECT_EQ(render::duration_label(1000), "1000 s");
  EXPECT_EQ(render::duration_label(0), "0");
  EXPECT_EQ(render::duration_label(0.0125), "12.5 ms");
  EXPECT_EQ(render::duration_label(7200), "2 h");
}

}  // namespace
}  // namespace agentrace::report

namespace agentrace::report {
namespace {

TEST(ScaffoldControls, GroupsOneModelOnOneEndpointUnderSeveralScaffolds) {
  const std::vector<store::ContenderRow> contenders = {
      {"r", "q-builtin", "builtin", config(R"({"model":"q","endpoint":{"sim":"local"}})")},
      {"r", "q-opencode", "opencode", config(R"({"model":"q","endpoint":{"sim":"local"}})")},
      {"r", "q-hosted", "builtin", config(R"({"model":"q","endpoint":{"sim":"hosted"}})")},
      {"r", "k-a", "codex", config(R"({"model":"k","endpoint":{"url":"http://gpu:8000"}})")},
      {"r", "k-b", "codex", config(R"({"model":"k","endpoint":{"url":"http://gpu:8000"}})")},
      {"r", "oracle", "oracle", {}}};
  const auto rs = summarize(contenders, {});
  const auto groups = scaffold_controls(rs);
  ASSERT_EQ(groups.size(), 1u);  // q on sim:local; k's two contenders share one scaffold
  EXPECT_EQ(groups[0].model, "q");
  EXPECT_EQ(groups[0].endpoint, "sim:local");
  ASSERT_EQ(groups[0].contenders.size(), 2u);
  EXPECT_EQ(groups[0].contenders[0].name, "q-builtin");
  EXPECT_EQ(groups[0].contenders[1].name, "q-opencode");
}

}  // namespace
}  // namespace agentrace::report
