// The plots: golden files pin the exact SVG (check them by eye when they change: open
// tests/golden/report-*.svg in a browser), and properties are checked directly.
//   fast-local (local): grades 3 2 2 1, walls 2 3 4 5 s, time split recorded.
//   big-hosted (hosted): grades 3 3 3 2, walls 60 80 100 120 s.
//   "odd <&> name" (no labels): grades 0 1, walls 1 1.5 s.
#include <gtest/gtest.h>

#include <regex>

#include <fmt/format.h>

#include "report/plots.hpp"
#include "support/test-support.hpp"

namespace agentrace::report {
namespace {

using store::AttemptRecord;

AttemptRecord attempt(const std::string& c, int n, int grade, double wall, const std::string& split = "") {
  AttemptRecord a;
  a.id = fmt::format("{}-{}", c, n);
  a.task_id = fmt::format("t{}", n);
  a.contender = c;
  a.state = store::AttemptState::done;
  a.grade = grade;
  a.wall_s = wall;
  a.setup_s = 0.25;
  if (!split.empty()) {
    a.time_split = test::parse_record<record::TimeSplit>(split);
    a.time_split->wall_s = wall;  // the attempts share one split but for their wall-clocks
  }
  return a;
}

RaceSummary fixture(bool narrow = false) {
  const std::string split = R"({"model_s":2,"tool_s":0.8,"scaffold_s":0.7,"network_s":0.2,"setup_s":0.25})";
  std::vector<AttemptRecord> as = {
      attempt("fast-local", 0, 3, 2, split), attempt("fast-local", 1, 2, 3, split),
      attempt("fast-local", 2, 2, 4, split), attempt("fast-local", 3, 1, 5, split),
      attempt("odd <&> name", 0, 0, 1), attempt("odd <&> name", 1, 1, 1.5)};
  if (!narrow) {
    for (int i = 0; i < 4; ++i) as.push_back(attempt("big-hosted", i, i == 3 ? 2 : 3, 60 + 20 * i));
  }
  return summarize({{"r", "fast-local", "opencode", test::parse_record<record::ContenderConfig>(R"({"model":"qwen3","labels":["local"]})")},
                    {"r", "big-hosted", "claude-code", test::parse_record<record::ContenderConfig>(R"({"model":"sonnet","labels":["hosted"]})")},
                    {"r", "odd <&> name", "command", {}}},
                   as);
}

std::vector<std::string> attributes(const std::string& svg, const std::string& name) {
  std::vector<std::string> out;
  const std::regex re(name + "=\"([^\"]*)\"");
  for (std::sregex_iterator it(svg.begin(), svg.end(), re), end; it != end; ++it) out.push_back((*it)[1]);
  return out;
}

TEST(Svg, ScatterGolden) {
  EXPECT_EQ(test::compare_golden("report-scatter.svg", scatter_svg(fixture(), {true})), "");
}

TEST(Svg, TimeSplitGolden) {
  EXPECT_EQ(test::compare_golden("report-time-split.svg", time_split_svg(fixture(), {false})), "");
}

TEST(Svg, BudgetGolden) {
  EXPECT_EQ(test::compare_golden("report-budget.svg", budget_svg(fixture(), {false})), "");
}

TEST(Svg, TimelineGolden) {
  std::vector<store::CallRow> calls(3);
  for (int i = 0; i < 3; ++i) {
    calls[static_cast<std::size_t>(i)].sequence = i;
    calls[static_cast<std::size_t>(i)].model = "m";
    calls[static_cast<std::size_t>(i)].status = 200;
    calls[static_cast<std::size_t>(i)].start_mono_ns = 5'000'000'000 + i * 3'000'000'000LL;  // every 3 s
    calls[static_cast<std::size_t>(i)].first_content_ms = 400;
    calls[static_cast<std::size_t>(i)].end_ms = 2000;
  }
  const auto svg = timeline_svg(calls);
  EXPECT_EQ(test::compare_golden("report-timeline.svg", svg), "");
  EXPECT_EQ(attributes(svg, "class").size() > 0, true);
  EXPECT_NE(svg.find("gap 1 s"), std::string::npos) << svg;  // 2 s call, next starts 3 s later
  EXPECT_EQ(timeline_svg({}), "");
}

TEST(Svg, PointsCarryTheirData) {
  const auto rs = fixture();
  const auto svg = scatter_svg(rs, {false});
  EXPECT_EQ(attributes(svg, "data-contender"),
            (std::vector<std::string>{"fast-local", "big-hosted", "odd &lt;&amp;&gt; name"}));
  EXPECT_EQ(attributes(svg, "data-x"), (std::vector<std::string>{"3.5000", "90.0000", "1.2500"}));
  EXPECT_EQ(attributes(svg, "data-y"), (std::vector<std::string>{"2.0000", "2.7500", "0.5000"}));
  EXPECT_EQ(attributes(svg, "data-kind"), (std::vector<std::string>{"local", "hosted", "unknown"}));
  EXPECT_EQ(std::count(svg.begin(), svg.end(), '\n') > 10, true);
  EXPECT_NE(svg.find("<circle"), std::string::npos);  // local
  EXPECT_NE(svg.find("<rect x=\""), std::string::npos);  // hosted
  EXPECT_NE(svg.find("<title>fast-local (opencode, qwen3)"), std::string::npos);
  EXPECT_EQ(svg.find("simulated endpoint"), std::string::npos);
  EXPECT_NE(scatter_svg(rs, {true}).find("simulated endpoint"), std::string::npos);
}

TEST(Svg, LogScaleOnlyWhenTheWallClockSpansADecade) {
  EXPECT_NE(scatter_svg(fixture(), {}).find("(log scale)"), std::string::npos);        // 1 s .. 100 s
  EXPECT_EQ(scatter_svg(fixture(true), {}).find("(log scale)"), std::string::npos);    // 1 s .. 4.25 s
}

TEST(Svg, ParetoFrontIsAStepLine) {
  const auto svg = scatter_svg(fixture(), {});
  // odd (1.25 s, 0.5) -> fast-local (3.5 s, 2) -> big-hosted (90 s, 2.75): all on the front.
  const auto d = attributes(svg, "d");
  ASSERT_FALSE(d.empty());
  const auto front = std::find_if(d.begin(), d.end(), [](const auto& s) { return s.find('H') != std::string::npos; });
  ASSERT_NE(front, d.end());
  EXPECT_EQ(std::count(front->begin(), front->end(), 'H'), 2);
  EXPECT_EQ(std::count(front->begin(), front->end(), 'V'), 2);
}

// The budget axis spans the agents; an oracle done in 3 ms sits on its left edge, never
// left of the plot.
TEST(Svg, BudgetCurvesStayInsideTheAxis) {
  std::vector<AttemptRecord> as = {attempt("agent", 0, 3, 2), attempt("agent", 1, 3, 40),  // a log axis
                                   attempt("oracle", 0, 3, 0.003), attempt("oracle", 1, 3, 0.004)};
  const auto rs = summarize({{"r", "agent", "command", {}}, {"r", "oracle", "oracle", {}}}, as);
  ASSERT_FALSE(rs.budgets.empty());
  EXPECT_GE(rs.budgets.front(), 1.0);
  const auto svg = budget_svg(rs, {});
  int curves = 0;
  for (const auto& d : attributes(svg, "d")) {
    if (d.find('H') == std::string::npos) continue;
    ++curves;
    const std::regex h("H(-?[0-9.]+)");
    for (std::sregex_iterator it(d.begin(), d.end(), h), end; it != end; ++it) {
      const double x = std::stod((*it)[1]);
      EXPECT_GE(x, 80.0) << d;   // the plot's left edge
      EXPECT_LE(x, 570.0) << d;  // and its right edge
    }
  }
  EXPECT_EQ(curves, 2);
}

TEST(Svg, Deterministic) {
  EXPECT_EQ(scatter_svg(fixture(), {true}), scatter_svg(fixture(), {true}));
  EXPECT_EQ(budget_svg(fixture(), {}), budget_svg(fixture(), {}));
}

}  // namespace
}  // namespace agentrace::report
