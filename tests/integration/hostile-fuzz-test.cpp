// Attacks on the host-side parsers of what an agent leaves behind, through the real binary
// and bwrap on the tiny suite: its stdout (read by the CLI adapters), the relay's rusage
// file in its HOME, and its diff (read by the hygiene checks). Each attack used to end the
// race (a crash of `agentrace run`) or turn the agent's attempt into an ungraded
// infrastructure failure; now the attempt is graded as any other.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/fs.hpp"
#include "store/store.hpp"
#include "support/test-support.hpp"

namespace agentrace {
namespace {

namespace fs = std::filesystem;

class HostileOutput : public ::testing::Test {
 protected:
  core::TempDir tmp{"agentrace-hostile-fuzz"};
  fs::path db() const { return tmp.path() / "results.db"; }
  fs::path agents() const { return tmp.path() / "agents"; }

  // Runs a race of one contender (its TOML lines) over the tiny suite in bwrap; the race
  // must end normally (exit 0) and leave one attempt, which is returned.
  store::AttemptRecord race(const std::string& contender) {
    const auto file = tmp.path() / "race.toml";
    core::write_file(file, fmt::format("name = \"hostile\"\nsuite = \"{}\"\nsandbox = \"bwrap\"\n\n"
                                       "[[contenders]]\nname = \"attacker\"\n{}\n",
                                       (test::data_dir() / "suites" / "tiny").string(), contender));
    const auto r = test::run_command(fmt::format("AGENTRACE_AGENTS_DIR={} {} run {} --db {} --quiet",
                                                 agents().string(), test::binary().string(), file.string(),
                                                 db().string()));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    store::Store s(db());
    const auto a = s.attempts(s.races().back().id);
    EXPECT_EQ(a.size(), 1u);
    return a.empty() ? store::AttemptRecord{} : a[0];
  }

  // A stand-in for Claude Code's CLI: an installed package whose `claude` runs `script`.
  void fake_claude(const std::string& script) {
    core::write_file(agents() / "node_modules" / "@anthropic-ai" / "claude-code" / "package.json",
                     "{\"name\":\"@anthropic-ai/claude-code\",\"version\":\"0.0.1-fake\"}");
    const auto bin = agents() / "node_modules" / ".bin" / "claude";
    core::write_file(bin, "#!/bin/sh\n" + script);
    fs::permissions(bin, fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
  }
};

const char* const kCommand = "scaffold = \"command\"\nmodel = \"sim-model\"\ncommand = [\"bash\", \"-c\", '{}']\n"
                             "[contenders.endpoint]\nsim = \"zero\"\n";

// A tool can write into its CLI's stdout (/proc/$PPID/fd/1): a line nested 200,000 deep
// overflowed the stack of `agentrace run` while the adapter read it.
TEST_F(HostileOutput, ADeeplyNestedOutputLineIsSkipped) {
  fake_claude(
      "printf '{\"type\":\"assistant\",\"message\":{\"content\":'\n"
      "head -c 200000 /dev/zero | tr '\\0' '['\n"
      "head -c 200000 /dev/zero | tr '\\0' ']'\n"
      "printf '}}\\n{\"type\":\"result\",\"subtype\":\"success\",\"num_turns\":1,\"result\":\"done\"}\\n'\n");
  const auto a = race("scaffold = \"claude-code\"\nmodel = \"sim-model\"\n[contenders.endpoint]\nsim = \"zero\"\n");
  EXPECT_EQ(a.state, store::AttemptState::done) << a.failure_detail;
  EXPECT_EQ(a.grade, 0);
  EXPECT_NE(test::record_text(a.agent).find("\"turns\":1"), std::string::npos) << test::record_text(a.agent);
}

// The agent writes rusage figures where the relay once wrote them and kills the relay
// before it can report. On cbdfd5f the forged string threw and voided the attempt; then
// the forged file was parsed with a note; now the host never reads it: bwrap's figures
// stay, with a note that the relay reported none.
TEST_F(HostileOutput, AKilledRelayLeavesBwrapsFiguresNotForgedOnes) {
  const auto a = race(fmt::format(
      fmt::runtime(kCommand),
      "printf \"{\\\"user_s\\\": 4242, \\\"max_rss_kb\\\": 1e300}\" > \"$HOME/.agentrace-rusage.json\"; "
      "kill -9 $PPID"));
  EXPECT_NE(a.state, store::AttemptState::infra_error) << a.failure_detail;
  EXPECT_EQ(a.grade, 0) << a.failure_detail;
  EXPECT_GE(a.user_s, 0);
  EXPECT_LT(a.user_s, 4000);
  EXPECT_NE(test::record_text(a.time_split).find("the relay reported no rusage"), std::string::npos)
      << test::record_text(a.time_split);
}

// The debug-leftover check searched each added line with std::regex: a line of 200,000
// spaces overflowed the stack of `agentrace run` while it graded.
TEST_F(HostileOutput, AnAddedLineOfTwoHundredThousandSpacesIsGraded) {
  const auto a = race(fmt::format(fmt::runtime(kCommand),
                                  "sed -i \"s/i < \\$#/i <= \\$#/\" sum.sh && "
                                  "head -c 200000 /dev/zero | tr \"\\0\" \" \" > pad.txt"));
  EXPECT_EQ(a.state, store::AttemptState::done) << a.failure_detail;
  EXPECT_EQ(a.auto_grade, 3) << a.grade_detail;
}

}  // namespace
}  // namespace agentrace
