// `[repo] url` through the real binary: a relative path is read from the task folder, a
// cached mirror that lacks a newer base commit is fetched again, a commit the repository
// does not hold is an infrastructure error (exit 3) naming the task file, and a
// repository's submodules are there for the agent and the grader.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/fs.hpp"
#include "store/store.hpp"
#include "support/test-support.hpp"

namespace agentrace {
namespace {

namespace fs = std::filesystem;

class RepoUrl : public ::testing::Test {
 protected:
  core::TempDir tmp{"agentrace-repo-url"};
  fs::path upstream() const { return tmp.path() / "upstream"; }
  fs::path task_dir() const { return tmp.path() / "suite" / "greet"; }

  std::string sh(const std::string& cmd) {
    const auto r = test::run_command(cmd);
    EXPECT_EQ(r.exit_code, 0) << cmd << "\n" << r.err;
    return r.out;
  }

  // Commits `file` with `text` upstream; returns the commit.
  std::string commit(const std::string& file, const std::string& text) {
    core::write_file(upstream() / file, text);
    sh(fmt::format("cd {} && git add -A && git -c user.name=t -c user.email=t@t commit -qm c", upstream().string()));
    auto head = sh(fmt::format("git -C {} rev-parse HEAD", upstream().string()));
    return head.substr(0, 40);
  }

  void write_task(const std::string& base, const std::string& repo_extra = "",
                  const std::string& test = "[ \"$(bash greet.sh)\" = hello ]\n") {
    core::write_file(task_dir() / "statement.md", "Fix the greeting.\n");
    core::write_file(task_dir() / "fix.patch",
                     "diff --git a/greet.sh b/greet.sh\n--- a/greet.sh\n+++ b/greet.sh\n@@ -1 +1 @@\n-echo helo\n+echo hello\n");
    core::write_file(task_dir() / "hidden" / "tests" / "check.sh", test);
    core::write_file(task_dir() / "task.toml",
                     fmt::format("id = \"greet\"\ntitle = \"t\"\nlanguage = \"shell\"\nstatement = \"statement.md\"\n"
                                 "[repo]\nurl = \"../../upstream\"\ncommit = \"{}\"\n{}[fix]\npatch = \"fix.patch\"\n"
                                 "[hidden_tests]\ndir = \"hidden\"\n[tests]\n[[tests.fail_to_pass]]\nname = \"greets\"\n"
                                 "cmd = \"bash tests/check.sh\"\n"
                                 "[grades]\nmiss = \"m\"\nbasic = \"b\"\nsolid = \"s\"\ncomplete = \"c\"\n",
                                 base, repo_extra));
  }

  // A race of oracle and nop, with one work folder for every run (so the mirror is reused).
  test::CommandResult race(const fs::path& db) {
    const auto file = tmp.path() / "race.toml";
    core::write_file(file, fmt::format("name = \"r\"\nsuite = \"{}\"\nsandbox = \"bwrap\"\n"
                                       "[[contenders]]\nname = \"oracle\"\nscaffold = \"oracle\"\n"
                                       "[[contenders]]\nname = \"nop\"\nscaffold = \"nop\"\n",
                                       (tmp.path() / "suite").string()));
    return test::run_command(fmt::format("{} run {} --db {} --work {} --quiet", test::binary().string(), file.string(),
                                         db.string(), (tmp.path() / "work").string()));
  }

  void SetUp() override {
    fs::create_directories(upstream());
    sh(fmt::format("git init -q {}", upstream().string()));
  }
};

TEST_F(RepoUrl, RelativePathAndAStaleMirror) {
  write_task(commit("greet.sh", "echo helo\n"));
  auto r = race(tmp.path() / "one.db");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  write_task(commit("README", "a newer base\n"));  // the cached mirror lacks it
  r = race(tmp.path() / "two.db");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  store::Store s(tmp.path() / "two.db");
  for (const auto& a : s.attempts(s.races().back().id))
    EXPECT_EQ(a.grade, a.contender == "oracle" ? 3 : 0) << a.contender << ": " << a.failure_detail << a.grade_detail;
}

TEST_F(RepoUrl, AMissingCommitIsAnInfraErrorNamingTheTask) {
  commit("greet.sh", "echo helo\n");
  write_task("0123456789abcdef0123456789abcdef01234567");
  const auto r = race(tmp.path() / "one.db");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  store::Store s(tmp.path() / "one.db");
  const auto attempts = s.attempts(s.races().back().id);
  ASSERT_FALSE(attempts.empty());
  EXPECT_NE(attempts[0].failure_detail.find((task_dir() / "task.toml").string() + ": [repo] url = \"../../upstream\": "
                                            "commit 0123456789abcdef0123456789abcdef01234567 is not in the repository"),
            std::string::npos)
      << attempts[0].failure_detail;
}

// A submodule with a relative url (../lib), fetched at cache time: the hidden test needs
// its file, so oracle is Complete only when it is in the grading checkout.
TEST_F(RepoUrl, SubmodulesAreFetchedAtCacheTime) {
  const auto lib = tmp.path() / "lib";
  sh(fmt::format("git init -q {0} && cd {0} && echo 'echo -n hello' > say.sh && git add -A && "
                 "git -c user.name=t -c user.email=t@t commit -qm lib",
                 lib.string()));
  sh(fmt::format("cd {} && git -c protocol.file.allow=always submodule add -q ../lib lib", upstream().string()));
  write_task(commit("greet.sh", "echo helo\n"), "submodules = true\n",
             "[ \"$(bash lib/say.sh)\" = hello ] && [ \"$(bash greet.sh)\" = hello ]\n");
  const auto db = tmp.path() / "sub.db";
  const auto r = test::run_command(fmt::format("{} validate {} --db {}", test::binary().string(),
                                               (tmp.path() / "suite").string(), db.string()));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

}  // namespace
}  // namespace agentrace
