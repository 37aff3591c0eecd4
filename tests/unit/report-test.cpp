// Report printers over a synthetic store with fixed numbers, checked against goldens.
//
// Two contenders x three tasks x two repeats:
//   alpha (command, model m-large): grades 3 3 | 2 1 | 0 (timed out) and one sandbox
//     infra error -> graded [3,3,2,1,0]: mean 1.80, sd 1.30; walls [10,12,20,30,40] s:
//     median 20 s [IQR 12 – 30]; set-up [0.5,0.5,0.7,0.7,0.9]: median 700 ms.
//   beta (nop, no model): five Miss and one still planned -> mean 0.00 ± 0.00; walls
//     [0.25,0.35,0.5,1.5,0.75] s: median 500 ms [350 – 750]; set-up median 400 ms.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "render/table.hpp"
#include "report/report.hpp"
#include "report/summary.hpp"
#include "store/store.hpp"
#include "support/test-support.hpp"

namespace agentrace::report {
namespace {

using store::AttemptRecord;
using store::AttemptState;
using store::FailureClass;

struct Row {
  const char* task;
  const char* contender;
  int repeat;
  AttemptState state;
  int grade;  // -1 = none
  double wall, setup;
  FailureClass failure;
  const char* detail;
};

const Row kRows[] = {
    {"t-one", "alpha", 0, AttemptState::done, 3, 10, 0.5, FailureClass::none, "all tiers pass"},
    {"t-one", "alpha", 1, AttemptState::done, 3, 12, 0.5, FailureClass::none, "all tiers pass"},
    {"t-two", "alpha", 0, AttemptState::done, 2, 20, 0.7, FailureClass::none, "strict: 1 failing"},
    {"t-two", "alpha", 1, AttemptState::done, 1, 30, 0.7, FailureClass::none, "fail_to_pass: 1 of 2 pass"},
    {"t-three", "alpha", 0, AttemptState::timed_out, 0, 40, 0.9, FailureClass::timeout, "fail_to_pass: 0 of 1 pass"},
    {"t-three", "alpha", 1, AttemptState::infra_error, -1, 0, 0.2, FailureClass::sandbox, ""},
    {"t-one", "beta", 0, AttemptState::done, 0, 0.25, 0.4, FailureClass::none, "fail_to_pass: 0 of 1 pass"},
    {"t-one", "beta", 1, AttemptState::done, 0, 0.35, 0.4, FailureClass::none, "fail_to_pass: 0 of 1 pass"},
    {"t-two", "beta", 0, AttemptState::done, 0, 0.5, 0.4, FailureClass::none, "fail_to_pass: 0 of 2 pass"},
    {"t-two", "beta", 1, AttemptState::done, 0, 1.5, 0.6, FailureClass::none, "fail_to_pass: 0 of 2 pass"},
    {"t-three", "beta", 0, AttemptState::done, 0, 0.75, 0.4, FailureClass::none, "fail_to_pass: 0 of 1 pass"},
    {"t-three", "beta", 1, AttemptState::planned, -1, 0, 0, FailureClass::none, ""},
};

class Report : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::make_unique<store::Store>(tmp_.path() / "results.db");
    race_ = {"race-fixed", "golden", "/suites/fixture", "fixture", "2026-01-02T03:04:05.000Z", "bwrap",
             test::parse_record<record::Race>(R"({"name":"golden","repeats":2})"),
             test::parse_record<core::HostInfo>(
                 R"({"agentrace":"0.1.0","host":"testhost","cpu":"Test CPU","cores":2,"kernel":"6.1.0"})")};
    db_->put_race(race_);
    db_->put_contender({race_.id, "alpha", "command", test::parse_record<record::ContenderConfig>(R"({"model":"m-large"})")});
    db_->put_contender({race_.id, "beta", "nop", {}});
    for (const char* t : {"t-one", "t-two", "t-three"})
      db_->put_task({std::string("hash-") + t, t, std::string("Task ") + t, "python", {}}, race_.id);
    std::vector<AttemptRecord> plan;
    for (const auto& r : kRows) plan.push_back(record(r));
    db_->plan(plan);
    for (const auto& r : kRows) {
      if (r.state == AttemptState::planned) continue;
      auto a = record(r);
      db_->mark_running(a.id, "2026-01-02T03:05:00.000Z", "testhost");
      a.state = r.state;
      a.failure = r.failure;
      a.failure_detail = r.failure == FailureClass::sandbox ? "bwrap: cannot mount" : "";
      a.ended_at = "2026-01-02T03:06:00.000Z";
      a.wall_s = r.wall;
      a.setup_s = r.setup;
      a.grade_s = r.grade < 0 ? 0 : 1.25;
      a.exit_code = r.state == AttemptState::timed_out ? -1 : 0;
      a.timed_out = r.state == AttemptState::timed_out;
      a.user_s = 0.5;
      a.sys_s = 0.125;
      a.max_rss_kb = 2048;
      if (r.grade >= 0) {
        a.grade = r.grade;
        a.grade_source = "auto";
      }
      a.grade_detail = r.detail;
      if (r.grade > 0) a.changed_files = {"src/fix.py"};
      db_->finish(a, {});
    }
  }
  static AttemptRecord record(const Row& r) {
    AttemptRecord a;
    a.id = fmt::format("{}-{}-{}", r.task, r.contender, r.repeat);
    a.race_id = "race-fixed";
    a.task_id = r.task;
    a.task_hash = std::string("hash-") + r.task;
    a.contender = r.contender;
    a.repeat = r.repeat;
    return a;
  }
  std::string render_as(Format f, bool attempts = false) { return render(*db_, race_, {f, attempts}); }

  core::TempDir tmp_{"report-test"};
  std::unique_ptr<store::Store> db_;
  store::RaceRow race_;
};

TEST_F(Report, SummaryFigures) {
  const auto rs = summarize(db_->contenders(race_.id), db_->attempts(race_.id));
  EXPECT_EQ(rs.attempts, 12);
  EXPECT_EQ(rs.finished, 11);
  EXPECT_EQ(rs.pending, 1);
  EXPECT_EQ(rs.failures, (std::map<std::string, int>{{"sandbox", 1}, {"timeout", 1}}));
  ASSERT_EQ(rs.contenders.size(), 2u);
  const auto& a = rs.contenders[0];
  EXPECT_EQ(a.name, "alpha");
  EXPECT_EQ(a.model, "m-large");
  EXPECT_EQ(a.attempts, 6);
  EXPECT_EQ(a.graded, 5);
  EXPECT_EQ(a.infra_errors, 1);
  EXPECT_EQ(a.pending, 0);
  EXPECT_NEAR(a.mean_grade, 1.8, 1e-12);
  EXPECT_NEAR(a.sd_grade, std::sqrt(6.8 / 4), 1e-12);
  EXPECT_EQ(a.counts, (std::array<int, 4>{1, 1, 1, 2}));
  EXPECT_NEAR(a.wall_median, 20, 1e-12);
  EXPECT_NEAR(a.wall_p25, 12, 1e-12);
  EXPECT_NEAR(a.wall_p75, 30, 1e-12);
  EXPECT_NEAR(a.setup_median, 0.7, 1e-12);
  const auto& b = rs.contenders[1];
  EXPECT_EQ(b.name, "beta");
  EXPECT_EQ(b.attempts, 5);
  EXPECT_EQ(b.pending, 1);
  EXPECT_EQ(b.counts, (std::array<int, 4>{5, 0, 0, 0}));
  EXPECT_NEAR(b.wall_median, 0.5, 1e-12);
  EXPECT_NEAR(b.wall_p25, 0.35, 1e-12);
  EXPECT_NEAR(b.wall_p75, 0.75, 1e-12);
  EXPECT_NEAR(b.setup_median, 0.4, 1e-12);
  ASSERT_EQ(rs.tasks.size(), 3u);
  EXPECT_EQ(rs.tasks[0].task_id, "t-one");
  EXPECT_EQ(rs.tasks[1].task_id, "t-three");
  EXPECT_EQ(rs.tasks[1].grades.at("alpha"), (std::vector<int>{0, -1}));
  EXPECT_EQ(rs.tasks[1].grades.at("beta"), (std::vector<int>{0, -1}));
  EXPECT_EQ(rs.tasks[2].grades.at("alpha"), (std::vector<int>{2, 1}));
}

TEST_F(Report, Markdown) {
  const auto text = render_as(Format::markdown);
  EXPECT_EQ(test::compare_golden("report-race.md", text), "");
}

TEST_F(Report, Json) {
  const auto text = render_as(Format::json);
  EXPECT_EQ(test::compare_golden("report-race.json", text), "");
  const auto j = nlohmann::json::parse(text);
  EXPECT_EQ(j["contenders"][0]["complete"], 2);
  EXPECT_TRUE(j["contenders"][1]["mean_grade"].is_number());
  EXPECT_EQ(j["race"]["repeats"], 2);
  EXPECT_EQ(j["race"]["tasks"], 3);
}

TEST_F(Report, Csv) {
  EXPECT_EQ(test::compare_golden("report-race.csv", render_as(Format::csv)), "");
}

TEST_F(Report, AttemptsCsv) {
  EXPECT_EQ(test::compare_golden("report-attempts.csv", render_as(Format::csv, true)), "");
}

TEST_F(Report, UnsandboxedRaceIsFlagged) {
  race_.sandbox = "none";
  const auto text = render_as(Format::markdown);
  EXPECT_NE(text.find("**Unsandboxed:**"), std::string::npos) << text;
}

TEST(ReportFormat, ParsesNamesAndRejectsOthers) {
  EXPECT_EQ(parse_format("markdown"), Format::markdown);
  EXPECT_EQ(parse_format("md"), Format::markdown);
  EXPECT_EQ(parse_format("json"), Format::json);
  EXPECT_EQ(parse_format("csv"), Format::csv);
  try {
    parse_format("xml");
    FAIL() << "xml accepted";
  } catch (const core::UsageError& e) {
    EXPECT_EQ(std::string(e.what()), "--format xml: use markdown, json or csv");
  }
}

TEST(ReportTable, CsvEscapingAndCells) {
  EXPECT_EQ(render::csv_escape("plain"), "plain");
  EXPECT_EQ(render::csv_escape("a,b"), "\"a,b\"");
  EXPECT_EQ(render::csv_escape("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(render::csv_escape("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(render::json_to_csv_cell(nlohmann::json()), "");
  EXPECT_EQ(render::json_to_csv_cell(nlohmann::json(0.1)), "0.1");
  EXPECT_EQ(render::json_to_csv_cell(nlohmann::json(3)), "3");
  EXPECT_EQ(render::json_to_csv_cell(nlohmann::json(true)), "true");
  EXPECT_EQ(render::json_to_csv_cell(nlohmann::json::array({"a", "b"})), "\"[\"\"a\"\",\"\"b\"\"]\"");
}

TEST(ReportTable, MarkdownAlignsColumns) {
  const auto text = render::markdown_from_cells({"name", "n"}, {false, true}, {{"a", "10"}, {"long name", "2"}});
  EXPECT_EQ(text,
            "| name      |   n |\n"
            "| --------- | --: |\n"
            "| a         |  10 |\n"
            "| long name |   2 |\n");
}

// Widths count code points, not bytes (src/render/table.cpp): cells holding "±", "–" or
// "·" (2-3 bytes in UTF-8) line up with the others.
TEST(ReportTable, MarkdownAlignsUtf8Cells) {
  const auto text = render::markdown_from_cells({"grade", "task"}, {true, false}, {{"1.80 ± 1.30", "0 ·"}, {"3", "t"}});
  EXPECT_EQ(text,
            "|       grade | task |\n"
            "| ----------: | ---- |\n"
            "| 1.80 ± 1.30 | 0 ·  |\n"
            "|           3 | t    |\n");
}

}  // namespace
}  // namespace agentrace::report
