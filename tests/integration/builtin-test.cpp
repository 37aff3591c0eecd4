// The `builtin` scaffold in a real race: agentrace's own agent, in the sandbox, against
// the simulated endpoint (scripted with each task's fix as tool calls) through the
// recording proxy, on two starter tasks, in both protocols. Each attempt must be graded
// Complete, its calls recorded, and its time split must sum to its wall-clock.
#include <algorithm>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/fs.hpp"
#include "store/store.hpp"
#include "support/test-support.hpp"

namespace agentrace {
namespace {

namespace fs = std::filesystem;

bool sim_available() {
  return test::run_command(test::binary().string() + " sim --help").exit_code == 0;
}

struct Case {
  std::string sandbox;
  std::string protocol;
};

class Builtin : public ::testing::TestWithParam<Case> {
 protected:
  core::TempDir tmp{"agentrace-builtin"};
  fs::path db() const { return tmp.path() / "r.db"; }

  test::CommandResult race() {
    const auto file = tmp.path() / "race.toml";
    core::write_file(file, fmt::format(R"(name = "builtin"
suite = "{}"
tasks = ["sh-rotate-error-path", "py-csvkit-quoted-newline"]
sandbox = "{}"
[[contenders]]
name = "builtin-sim"
scaffold = "builtin"
model = "sim-model"
[contenders.endpoint]
sim = "zero"
protocol = "{}"
)",
                                       (test::source_dir() / "suites" / "starter").string(), GetParam().sandbox,
                                       GetParam().protocol));
    return test::run_command(fmt::format("{} run {} --db {} --work {} -q", test::binary().string(), file.string(),
                                         db().string(), (tmp.path() / "work").string()));
  }
  std::vector<store::AttemptRecord> attempts() {
    store::Store s(db());
    return s.attempts(s.races().back().id);
  }
};

TEST_P(Builtin, CompletesStarterTasksThroughTheProxy) {
  if (!sim_available()) GTEST_SKIP() << "agentrace sim is not built yet";
  const auto r = race();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto all = attempts();
  ASSERT_EQ(all.size(), 2u);
  for (const auto& a : all) {
    SCOPED_TRACE(a.task_id);
    EXPECT_EQ(a.state, store::AttemptState::done) << a.failure_detail;
    ASSERT_TRUE(a.grade.has_value()) << a.failure_detail;
    EXPECT_EQ(*a.grade, 3) << a.grade_detail << "\n" << a.diff;
    EXPECT_GT(a.calls, 0);
    const auto agent = nlohmann::json::parse(test::record_text(a.agent));
    EXPECT_GE(agent.value("turns", 0), 2) << test::record_text(a.agent);
    EXPECT_GE(agent.value("tool_calls", 0), 1) << test::record_text(a.agent);
    EXPECT_FALSE(agent.value("reported_error", false)) << test::record_text(a.agent);
    const auto split = nlohmann::json::parse(test::record_text(a.time_split));
    const double wall = split["wall_s"].get<double>();
    const double sum = split["model_s"].get<double>() + split["tool_s"].get<double>() +
                       split["scaffold_s"].get<double>();
    EXPECT_NEAR(sum, wall, wall * 0.01) << test::record_text(a.time_split);
    EXPECT_GT(split["tool_s"].get<double>(), 0.0) << test::record_text(a.time_split);
    EXPECT_TRUE(split["tools_from_agent"].get<bool>()) << test::record_text(a.time_split);
    // The sim reports its own timings on Chat Completions only (as llama.cpp does).
    EXPECT_EQ(split["calls"].get<int>(), a.calls) << test::record_text(a.time_split);
    EXPECT_EQ(split["server_timed_calls"].get<int>(), GetParam().protocol == "openai-chat" ? a.calls : 0)
        << test::record_text(a.time_split);
  }
}

INSTANTIATE_TEST_SUITE_P(Race, Builtin,
                         ::testing::Values(Case{"bwrap", "openai-chat"}, Case{"bwrap", "anthropic-messages"},
                                           Case{"none", "openai-chat"}),
                         [](const auto& info) {
                           auto name = info.param.sandbox + "_" + info.param.protocol;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace agentrace
