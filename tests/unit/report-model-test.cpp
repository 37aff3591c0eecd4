// The report's sections the other goldens do not reach, in every format: the same model
// under two scaffolds (the scaffold comparison) and an endpoint speed run kept in the
// same store. Goldens report-model.{md,json,csv}: check them by eye when they change.
#include <gtest/gtest.h>

#include "core/fs.hpp"
#include "report/race-data.hpp"
#include "report/report.hpp"
#include "report/sentences.hpp"
#include "report/summary.hpp"
#include "report/templates.hpp"
#include "support/test-support.hpp"

namespace agentrace::report {
namespace {

store::AttemptRecord graded(const std::string& contender, int grade, double wall, std::string split) {
  store::AttemptRecord a;
  a.id = "t1-" + contender;
  a.task_id = "t1";
  a.contender = contender;
  a.state = store::AttemptState::done;
  a.grade = grade;
  a.wall_s = wall;
  a.setup_s = 0.5;
  if (!split.empty()) a.time_split = test::parse_record<record::TimeSplit>(split);
  return a;
}

RaceData model_race() {
  RaceData d;
  d.race = {"race-model", "model", "/suites/x", "x", "2026-01-02T03:04:05.000Z", "bwrap", test::parse_record<record::Race>(R"({"repeats":1})"),
            test::parse_record<core::HostInfo>(R"({"agentrace":"0.1.0","host":"testhost"})")};
  const auto gpu = test::parse_record<record::ContenderConfig>(R"({"model":"q","endpoint":{"url":"http://gpu:8000"}})");
  d.contenders = {{"race-model", "q-builtin", "builtin", gpu}, {"race-model", "q-opencode", "opencode", gpu}};
  d.tasks = {{"h1", "t1", "T1", "python", {}}};
  d.attempts = {graded("q-builtin", 3, 10,
                       R"({"model_s":6,"tool_s":3,"scaffold_s":1,"network_s":0.5,"setup_s":0.2,"wall_s":10,"calls":3,"server_timed_calls":3})"),
                graded("q-opencode", 2, 20, "")};
  d.summary = summarize(d.contenders, d.attempts);
  store::SpeedRunRow run{"speed-1", "2026-01-01T00:00:00.000Z", "http://gpu:8000", "openai-chat", "q", false,
                         "vllm", "0.1.0", {}, {}, {}};
  d.speed = {{run,
              {{1000, 100, 1, 0, 120, 55.5, 50.25, 8, 8}, {1000, 100, 4, 2.5, 300, std::nullopt, std::nullopt, 7, 8}},
              {"q-builtin", "q-opencode"}}};
  d.context = context_line(d.race);
  return d;
}

TEST(ReportModel, ScaffoldComparisonAndSpeedRunsInEveryFormat) {
  const auto d = model_race();
  const auto md = render(d, {Format::markdown, false});
  EXPECT_NE(md.find("## Same model, different scaffolds"), std::string::npos) << md;
  EXPECT_NE(md.find("## What the endpoints run at"), std::string::npos) << md;
  EXPECT_EQ(test::compare_golden("report-model.md", md), "");
  EXPECT_EQ(test::compare_golden("report-model.json", render(d, {Format::json, false})), "");
  EXPECT_EQ(test::compare_golden("report-model.csv", render(d, {Format::csv, false})), "");
}

// The site shows the same sections with the same sentences as the markdown.
TEST(ReportModel, TheSiteShowsTheSameSectionsInTheSameWords) {
  auto d = model_race();
  d.summary.tampered = {{"t1", "q-opencode", 0, "tests/test_a.py (hidden test)"}};
  const core::TempDir tmp;
  write_site(d, tmp.path());
  const auto index = core::read_file(tmp.path() / "index.html");
  const auto md = render(d, {Format::markdown, false});
  for (const auto sentence : {sentence::kComparison, sentence::kBudget, sentence::kTimeSplit, sentence::kTampered}) {
    EXPECT_NE(md.find(sentence), std::string::npos) << sentence;
    EXPECT_NE(index.find(kainjow::mustache::html_escape(std::string(sentence))), std::string::npos) << sentence;
  }
  for (const char* part : {"Same model, different scaffolds", "What the endpoints run at", "Tampered attempts",
                           "<code>http://gpu:8000</code> (openai-chat, model <code>q</code>)", "2.5/s", "7/8"})
    EXPECT_NE(index.find(part), std::string::npos) << part;
}

}  // namespace
}  // namespace agentrace::report
