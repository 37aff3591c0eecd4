// The LLM judge in a real race: the simulated endpoint answers as the judge
// (src/sim/judge.hpp: the automatic grade, one lower or higher when the task's statement
// asks, or prose that holds no verdict). Two contenders — the built-in agent applying
// the shipped fix (Complete) and nop (Miss) — on four copies of the tiny task. Checks:
// the judge's calls go through the recording proxy under judge:<attempt id>, its grade
// and reasons are stored, it lowers but never raises, a prose answer is asked three
// times and then recorded while the automatic grade stands, and the report's agreement
// section compares automatic and judge grades.
#include <algorithm>
#include <map>

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/fs.hpp"
#include "store/store.hpp"
#include "support/test-support.hpp"

namespace agentrace {
namespace {

namespace fs = std::filesystem;

struct Case {
  std::string sandbox;
  std::string protocol;  // the judge's
};

// What the simulated judge is asked for in each task copy, and what it answers for an
// automatic grade of 3 (the fix) and of 0 (nop); -1 = no verdict.
struct Expect {
  const char* marker;
  int judge_for_fix, judge_for_nop;
};
const std::map<std::string, Expect> kTasks = {
    {"sum-plain", {"", 3, 0}},
    {"sum-lower", {"[sim-judge: lower]", 2, 0}},
    {"sum-raise", {"[sim-judge: raise]", 3, 1}},
    {"sum-prose", {"[sim-judge: prose]", -1, -1}},
};

class Judge : public ::testing::TestWithParam<Case> {
 protected:
  core::TempDir tmp{"agentrace-judge"};
  fs::path db() const { return tmp.path() / "r.db"; }

  // Four copies of the tiny suite's task, each statement with its marker.
  fs::path suite() {
    const auto dir = tmp.path() / "suite";
    const auto source = test::data_dir() / "suites" / "tiny" / "shell-sum";
    for (const auto& [id, e] : kTasks) {
      fs::create_directories(dir / id);
      fs::copy(source, dir / id, fs::copy_options::recursive);
      auto toml = core::read_file(dir / id / "task.toml");
      toml.replace(toml.find("id = \"shell-sum\""), 16, fmt::format("id = \"{}\"", id));
      core::write_file(dir / id / "task.toml", toml);
      core::write_file(dir / id / "statement.md", core::read_file(source / "statement.md") + e.marker + "\n");
    }
    return dir;
  }

  test::CommandResult race() {
    const auto file = tmp.path() / "race.toml";
    core::write_file(file, fmt::format(R"(name = "judged"
suite = "{}"
sandbox = "{}"
[judge]
model = "sim-judge"
[judge.endpoint]
sim = "zero"
protocol = "{}"
[[contenders]]
name = "fixer"
scaffold = "builtin"
model = "sim-model"
[contenders.endpoint]
sim = "zero"
[[contenders]]
name = "nop"
scaffold = "nop"
)",
                                       suite().string(), GetParam().sandbox, GetParam().protocol));
    return test::run_command(fmt::format("{} run {} --db {} --work {} -q", test::binary().string(), file.string(),
                                         db().string(), (tmp.path() / "work").string()));
  }

  // attempt id -> (status, model) of each call stored under judge:<id>.
  std::map<std::string, std::vector<std::pair<int, std::string>>> judge_calls() {
    SQLite::Database sql(db().string(), SQLite::OPEN_READONLY);
    SQLite::Statement q(sql, "SELECT attempt_id, status, model, protocol FROM calls WHERE attempt_id LIKE 'judge:%' "
                             "ORDER BY attempt_id, sequence");
    std::map<std::string, std::vector<std::pair<int, std::string>>> out;
    while (q.executeStep()) {
      EXPECT_EQ(q.getColumn(3).getString(), GetParam().protocol);
      out[q.getColumn(0).getString().substr(6)].emplace_back(q.getColumn(1).getInt(), q.getColumn(2).getString());
    }
    return out;
  }
};

TEST_P(Judge, CapsGradesThroughTheProxyAndTheReportShowsAgreement) {
  const auto r = race();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  store::Store s(db());
  const auto race_id = s.races().back().id;
  const auto all = s.attempts(race_id);
  ASSERT_EQ(all.size(), 8u);
  const auto calls = judge_calls();
  for (const auto& a : all) {
    SCOPED_TRACE(a.task_id + " / " + a.contender);
    ASSERT_EQ(a.state, store::AttemptState::done) << a.failure_detail;
    const bool fixer = a.contender == "fixer";
    const int automatic = fixer ? 3 : 0;
    ASSERT_EQ(a.auto_grade, automatic) << a.grade_detail;
    const auto& e = kTasks.at(a.task_id);
    const int judged = fixer ? e.judge_for_fix : e.judge_for_nop;
    const auto verdict = nlohmann::json::parse(test::record_text(a.judge));
    const auto& mine = calls.count(a.id) ? calls.at(a.id) : std::vector<std::pair<int, std::string>>{};
    for (const auto& [status, model] : mine) {
      EXPECT_EQ(status, 200);
      EXPECT_EQ(model, "sim-judge");
    }
    if (judged < 0) {
      EXPECT_FALSE(a.judge_grade.has_value());
      EXPECT_EQ(verdict["tries"], 3) << test::record_text(a.judge);
      EXPECT_NE(verdict.value("error", "").find("no {\"grade\": 0-3} object"), std::string::npos) << test::record_text(a.judge);
      EXPECT_EQ(a.grade, automatic);  // the automatic grade stands
      EXPECT_EQ(a.grade_source, "auto");
      EXPECT_EQ(mine.size(), 3u);      // asked three times, every time through the proxy
      continue;
    }
    EXPECT_EQ(a.judge_grade, judged) << test::record_text(a.judge);
    EXPECT_EQ(verdict["tries"], 1) << test::record_text(a.judge);
    EXPECT_NE(verdict["reasons"].get<std::string>().find("simulated judge"), std::string::npos) << test::record_text(a.judge);
    EXPECT_EQ(a.grade, std::min(automatic, judged));  // lowers, never raises
    EXPECT_EQ(a.grade_source, "judge");
    EXPECT_EQ(mine.size(), 1u);
  }
  // The judge's calls are its own, not the contenders': no nop attempt has any.
  for (const auto& c : s.calls(race_id)) EXPECT_EQ(c.attempt_id.rfind("judge:", 0), std::string::npos);

  // Six attempts have both grades (prose gave none): automatic 3 3 3 / 0 0 0 against
  // judge 3 2 3 / 0 0 1. po = 4/6, pe = 1/3 -> kappa 0.5; linear weights: po 8/9,
  // pe 1/2 -> 7/9.
  const auto json = test::run_command(fmt::format("{} report --db {} --format json", test::binary().string(), db().string()));
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j["grade_sources"], (nlohmann::json{{"auto", 2}, {"judge", 6}}));
  ASSERT_EQ(j["agreement"].size(), 1u) << j["agreement"].dump();
  const auto& ag = j["agreement"][0];
  EXPECT_EQ(ag["first"], "automatic");
  EXPECT_EQ(ag["second"], "judge");
  EXPECT_EQ(ag["attempts"], 6);
  EXPECT_NEAR(ag["exact_match"].get<double>(), 4.0 / 6, 1e-9);
  EXPECT_NEAR(ag["kappa"].get<double>(), 0.5, 1e-9);
  EXPECT_NEAR(ag["weighted_kappa"].get<double>(), 7.0 / 9, 1e-9);
  EXPECT_EQ(ag["confusion"], (nlohmann::json{{2, 1, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 1, 2}}));
  const auto md = test::run_command(fmt::format("{} report --db {}", test::binary().string(), db().string()));
  ASSERT_EQ(md.exit_code, 0) << md.err;
  for (const char* needle : {"## Grade sources and agreement", "Final grades here: auto 2, judge 6.", "automatic vs judge",
                             "0.50", "0.78", "Attempts by grade, automatic (rows) vs judge (columns)"})
    EXPECT_NE(md.out.find(needle), std::string::npos) << needle << "\n" << md.out;
}

INSTANTIATE_TEST_SUITE_P(Race, Judge,
                         ::testing::Values(Case{"bwrap", "openai-chat"}, Case{"none", "anthropic-messages"}),
                         [](const auto& info) {
                           auto name = info.param.sandbox + "_" + info.param.protocol;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace agentrace
