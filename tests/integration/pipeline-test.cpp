// End-to-end tests of the race pipeline through the real binary: the tiny suite,
// command contenders that probe the sandbox, timeouts, output caps, kill -9 + resume.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/fs.hpp"
#include "store/store.hpp"
#include "support/test-support.hpp"

namespace agentrace {
namespace {

namespace fs = std::filesystem;

class Pipeline : public ::testing::TestWithParam<std::string> {
 protected:
  core::TempDir tmp{"agentrace-it"};
  fs::path suite() const { return test::data_dir() / "suites" / "tiny"; }
  fs::path db() const { return tmp.path() / "results.db"; }
  std::string sandbox() const { return GetParam(); }

  // Writes a race file with one command contender and runs it.
  test::CommandResult race(const std::string& command_toml, const std::string& extra = "",
                           const std::string& name = "it") {
    const auto file = tmp.path() / "race.toml";
    core::write_file(file, fmt::format("name = \"{}\"\nsuite = \"{}\"\nsandbox = \"{}\"\n{}\n"
                                       "[[contenders]]\nname = \"probe\"\nscaffold = \"command\"\ncommand = {}\n",
                                       name, suite().string(), sandbox(), extra, command_toml));
    return test::run_command(fmt::format("{} run {} --db {} --quiet", test::binary().string(), file.string(),
                                         db().string()));
  }

  std::vector<store::AttemptRecord> attempts() {
    store::Store s(db());
    return s.attempts(s.races().back().id);
  }
};

TEST_P(Pipeline, HiddenTestsAndFixNeverReachTheAgent) {
  // The agent looks everywhere it can: files, git objects of every kind, and (in the
  // sandbox, which hides the host) HOME, /tmp and the suite's path.
  const std::string outside = sandbox() == "bwrap"
      ? "grep -r -l -e HIDDEN-MARKER-7f3a9c -e FIX-MARKER-91c2d0 \"$HOME\" /tmp 2>/dev/null && found=1; "
        "test -e " + suite().string() + " && found=1; "
      : "";
  const std::string probe =
      "found=0; "
      "grep -r -l -e HIDDEN-MARKER-7f3a9c -e FIX-MARKER-91c2d0 . 2>/dev/null && found=1; "
      "git cat-file --batch-all-objects --batch 2>/dev/null | grep -a -q -e HIDDEN-MARKER -e FIX-MARKER && found=1; " +
      outside +
      "ls .git/objects >/dev/null || found=2; "
      "echo \"leaks=$found\" > probe.txt";
  const auto r = race(fmt::format("[\"bash\", \"-c\", '{}']", probe));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto a = attempts();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].state, store::AttemptState::done) << a[0].failure_detail;
  EXPECT_NE(a[0].diff.find("+leaks=0"), std::string::npos) << a[0].diff;
  EXPECT_EQ(a[0].diff.find("MARKER"), std::string::npos);
  EXPECT_EQ(a[0].grade, 0);  // it fixed nothing
}

TEST_P(Pipeline, TimeoutEndsEveryProcessTheAgentStarted) {
  const std::string marker = fmt::format("agentrace-daemon-{}", getpid());
  // A daemonized grandchild (new session, double fork) plus a busy leader.
  const std::string cmd = fmt::format(
      "[\"bash\", \"-c\", \"(setsid nohup bash -c 'while :; do sleep 1; done' {0} >/dev/null 2>&1 &); "
      "bash -c 'while :; do sleep 1; done' {0}\"]", marker);
  const auto started = std::chrono::steady_clock::now();
  const auto r = race(cmd, "[limits]\nagent_seconds = 2");
  const auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto a = attempts();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].state, store::AttemptState::timed_out);
  EXPECT_EQ(a[0].failure, store::FailureClass::timeout);
  EXPECT_TRUE(a[0].timed_out);
  EXPECT_TRUE(a[0].grade.has_value());  // graded on what it left
  EXPECT_LT(took, 30.0);
  const auto left = test::run_command(fmt::format("pgrep -f {} || true", marker));
  EXPECT_EQ(left.out, "") << "processes left behind: " << left.out;
}

TEST_P(Pipeline, HugeOutputIsCapped) {
  const auto r = race("[\"bash\", \"-c\", \"head -c 100000000 /dev/zero; head -c 30000000 /dev/zero >&2\"]");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto a = attempts();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].stdout_bytes, 100000000);
  EXPECT_EQ(a[0].stderr_bytes, 30000000);
  EXPECT_TRUE(a[0].output_truncated);
  const auto kept = fs::file_size(db().parent_path() / "agentrace-work" / "attempts" / a[0].id / "agent.stdout");
  EXPECT_EQ(kept, 16u << 20);
}

TEST_P(Pipeline, AgentThatFixesTheBugGradesComplete) {
  const auto r = race("[\"sed\", \"-i\", \"s/i < \\\\$#/i <= \\\\$#/\", \"sum.sh\"]");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto a = attempts();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].grade, 3) << a[0].grade_detail << "\n" << a[0].diff;
  EXPECT_EQ(a[0].changed_files, std::vector<std::string>{"sum.sh"});
}

TEST_P(Pipeline, DebugLeftoversCostOneGrade) {
  const auto r = race("[\"bash\", \"-c\", \"sed -i 's/i < \\\\$#/i <= \\\\$#/' sum.sh && "
                      "echo 'echo DEBUG total >&2' >> sum.sh\"]");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto a = attempts();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].auto_grade, 3) << a[0].grade_detail << a[0].diff;
  EXPECT_EQ(a[0].grade, 2);
  EXPECT_NE(a[0].grade_detail.find("hygiene: debug_leftovers (one grade down)"), std::string::npos) << a[0].grade_detail;
  EXPECT_NE(test::record_text(a[0].hygiene).find("sum.sh: echo DEBUG total"), std::string::npos) << test::record_text(a[0].hygiene);
}

TEST_P(Pipeline, NewFilesAreInTheDiff) {
  const auto r = race("[\"bash\", \"-c\", \"mkdir -p notes && echo hello > notes/new.txt\"]");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto a = attempts();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_NE(a[0].diff.find("+++ b/notes/new.txt"), std::string::npos) << a[0].diff;
}

TEST_P(Pipeline, KillNineThenResumeLosesNothingAndCountsNothingTwice) {
  const auto file = tmp.path() / "race.toml";
  core::write_file(file, fmt::format("name = \"resume\"\nsuite = \"{}\"\nsandbox = \"{}\"\nrepeats = 6\njobs = 1\n"
                                     "[[contenders]]\nname = \"slow\"\nscaffold = \"command\"\n"
                                     "command = [\"sleep\", \"0.7\"]\n",
                                     suite().string(), sandbox()));
  const auto cmd = fmt::format("{} run {} --db {} --quiet", test::binary().string(), file.string(), db().string());
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    setpgid(0, 0);
    execl("/bin/sh", "sh", "-c", ("exec " + cmd + " 2>/dev/null").c_str(), nullptr);
    _exit(127);
  }
  // Kill once at least one attempt is stored, while another is running.
  bool some_done = false;
  for (int i = 0; i < 600 && !some_done; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!fs::exists(db())) continue;
    try {
      store::Store s(db());
      for (const auto& r : s.races())
        for (const auto& a : s.attempts(r.id)) some_done = some_done || a.state == store::AttemptState::done;
    } catch (...) {
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill(-pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(some_done);
  int done_before = 0;
  for (const auto& a : attempts()) done_before += a.state == store::AttemptState::done;
  ASSERT_GE(done_before, 1);
  ASSERT_LT(done_before, 6) << "the race finished before the kill; make attempts slower";

  const auto again = test::run_command(cmd);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const auto a = attempts();
  ASSERT_EQ(a.size(), 6u);
  int runs = 0;
  for (const auto& x : a) {
    EXPECT_EQ(x.state, store::AttemptState::done);
    runs += x.runs;
  }
  EXPECT_LE(runs, 6 + 1);  // only the interrupted attempt ran twice
  EXPECT_NE(again.err.find(fmt::format("{} already finished", done_before)), std::string::npos) << again.err;
  const auto third = test::run_command(cmd);
  EXPECT_NE(third.err.find("6 already finished, 0 run now"), std::string::npos) << third.err;
}

INSTANTIATE_TEST_SUITE_P(Sandbox, Pipeline, ::testing::Values("bwrap", "none"));

TEST(Cli, BadRaceFileNamesLineAndColumn) {
  core::TempDir tmp("agentrace-it");
  const auto file = tmp.path() / "race.toml";
  core::write_file(file, "suite = \"/nonexistent\"\nrepeats = 0\n[[contenders]]\nname = \"x\"\nscaffold = \"magic\"\n");
  const auto r = test::run_command(fmt::format("{} run {} --db {}/r.db", test::binary().string(), file.string(),
                                               tmp.path().string()));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(file.string() + ":1:9: 'suite': folder /nonexistent does not exist"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(":2:11: 'repeats' = 0 is out of range [1, 1000]"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(":5:12: 'contenders[0].scaffold' = \"magic\" is not a known scaffold"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(Cli, ValidateTinySuiteAndReportFormats) {
  core::TempDir tmp("agentrace-it");
  const auto db = tmp.path() / "v.db";
  const auto r = test::run_command(fmt::format("{} validate {} --db {}", test::binary().string(),
                                               (test::data_dir() / "suites" / "tiny").string(), db.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("| shell-sum | Complete | Miss | ok      |"), std::string::npos) << r.out;
  for (const char* f : {"markdown", "json", "csv"}) {
    const auto rep = test::run_command(fmt::format("{} report --db {} --format {}", test::binary().string(),
                                                   db.string(), f));
    EXPECT_EQ(rep.exit_code, 0) << rep.err;
    EXPECT_NE(rep.out.find("oracle"), std::string::npos) << rep.out;
  }
  const auto bad = test::run_command(fmt::format("{} report --db {} --format xml", test::binary().string(), db.string()));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--format xml: use markdown, json or csv"), std::string::npos) << bad.err;
}

// A relative --work is read from the folder the command starts in: git runs in other
// folders, so the caches hold it absolute (relative, every attempt failed as `workspace`).
TEST(Cli, ARelativeWorkFolderWorksForRunAndValidate) {
  core::TempDir tmp("agentrace-it");
  const auto tiny = (test::data_dir() / "suites" / "tiny").string();
  const auto in_tmp = fmt::format("cd {} && {} ", tmp.path().string(), test::binary().string());
  const auto r = test::run_command(in_tmp + "run --suite " + tiny + " --contender oracle --db r.db --work work --quiet");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = nlohmann::json::parse(test::run_command(in_tmp + "report --db r.db --attempts --format json").out);
  ASSERT_FALSE(rows.empty());
  for (const auto& row : rows) EXPECT_EQ(row.value("grade", -1), 3) << row.dump();
  const auto v = test::run_command(in_tmp + "validate " + tiny + " --work work2");
  EXPECT_EQ(v.exit_code, 0) << v.err;
}

TEST(Cli, ValidateNamesTheFailingTier) {
  // A task whose fix does not make the strict tier pass: validate must say so.
  core::TempDir tmp("agentrace-it");
  const auto suite = tmp.path() / "suite";
  fs::copy(test::data_dir() / "suites" / "tiny", suite, fs::copy_options::recursive);
  core::write_file(suite / "shell-sum" / "hidden" / "tests" / "hidden_strict.sh", "exit 1\n");
  const auto r = test::run_command(fmt::format("{} validate {}", test::binary().string(), suite.string()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("shell-sum: oracle graded Solid (strict: 1 failing), expected Complete"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("strict 'single and negative' fails (exit 1)"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace agentrace
