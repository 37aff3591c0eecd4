// Tests by id through the real binary: tasks whose tiers list test ids of unittest, pytest
// and node:test runs validate (oracle Complete, nop Miss) with one outcome per id, and a
// change that makes the test program exit 0 before its tests run is a Miss ("not run"),
// which a plain command's exit status would have passed.
#include <map>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/fs.hpp"
#include "store/store.hpp"
#include "support/test-support.hpp"

namespace agentrace {
namespace {

namespace fs = std::filesystem;
using Files = std::map<std::string, std::string>;

constexpr const char* kGrades = "[grades]\nmiss = \"m\"\nbasic = \"b\"\nsolid = \"s\"\ncomplete = \"c\"\n";

class Runners : public ::testing::Test {
 protected:
  core::TempDir tmp{"agentrace-runners"};
  fs::path suite() const { return tmp.path() / "suite"; }

  static void write_files(const fs::path& dir, const Files& files) {
    for (const auto& [path, text] : files) core::write_file(dir / path, text);
  }

  // A task of `repo`, whose shipped fix is `fixed` (files replaced), hidden tests `hidden`.
  void add_task(const std::string& id, const std::string& head, const Files& repo, const Files& fixed,
                const Files& hidden, const std::string& tests) {
    const auto dir = suite() / id;
    const auto work = tmp.path() / ("work-" + id);
    write_files(work, repo);
    auto r = test::run_command(fmt::format(
        "cd {} && git init -q . && git add -A && git -c user.name=t -c user.email=t@t commit -qm base", work.string()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    write_files(work, fixed);
    r = test::run_command(fmt::format("cd {} && git diff", work.string()));
    core::write_file(dir / "fix.patch", r.out);
    write_files(dir / "repo", repo);
    write_files(dir / "hidden", hidden);
    core::write_file(dir / "statement.md", "Fix the bug.\n");
    core::write_file(dir / "task.toml",
                     fmt::format("id = \"{}\"\ntitle = \"t\"\n{}statement = \"statement.md\"\n[repo]\ndir = \"repo\"\n"
                                 "[fix]\npatch = \"fix.patch\"\n[hidden_tests]\ndir = \"hidden\"\n[tests]\n"
                                 "timeout_seconds = 60\n{}{}",
                                 id, head, tests, kGrades));
  }

  void add_python_task() {
    add_task("py-ids", "language = \"python\"\ntoolchain = [\"python3\"]\n",
             {{"calc.py", "def add(a, b):\n    return a + b\n\n\ndef div(a, b):\n    return a / b\n"},
              {"tests/test_calc.py", "import unittest\nimport calc\n\n\nclass Existing(unittest.TestCase):\n"
                                     "    def test_add(self):\n        self.assertEqual(calc.add(1, 2), 3)\n"}},
             {{"calc.py", "def add(a, b):\n    return a + b\n\n\ndef div(a, b):\n    return None if b == 0 else a / b\n"}},
             {{"tests/test_fix.py", "import unittest\nimport calc\n\n\nclass Fix(unittest.TestCase):\n"
                                    "    def test_zero(self):\n        self.assertIsNone(calc.div(1, 0))\n\n"
                                    "    def test_negative_zero(self):\n        self.assertIsNone(calc.div(-1, 0))\n"}},
             "[[tests.fail_to_pass]]\nname = \"zero\"\nrunner = \"unittest\"\nids = [\"tests.test_fix.Fix.test_zero\"]\n"
             "[[tests.strict]]\nname = \"negative\"\nrunner = \"unittest\"\n"
             "ids = [\"tests.test_fix.Fix.test_negative_zero\"]\n"
             "[[tests.pass_to_pass]]\nname = \"existing\"\nrunner = \"pytest\"\n"
             "ids = [\"tests/test_calc.py::Existing::test_add\"]\n");
  }

  void add_node_task() {
    add_task("node-ids", "language = \"javascript\"\ntoolchain = [\"node\"]\n",
             {{"lib.js", "exports.clamp = (x, lo, hi) => Math.min(x, hi);\n"}},
             {{"lib.js", "exports.clamp = (x, lo, hi) => Math.max(lo, Math.min(x, hi));\n"}},
             {{"test/clamp.test.js", "const test = require('node:test');\nconst assert = require('node:assert');\n"
                                     "const { clamp } = require('../lib.js');\n"
                                     "test('clamps low', () => assert.strictEqual(clamp(-5, 0, 10), 0));\n"
                                     "test('keeps # middle', () => assert.strictEqual(clamp(5, 0, 10), 5));\n"}},
             "[[tests.fail_to_pass]]\nname = \"low\"\nrunner = \"node:test\"\nids = [\"clamps low\"]\n"
             "[[tests.pass_to_pass]]\nname = \"middle\"\nrunner = \"node:test\"\nids = [\"keeps # middle\"]\n");
  }
};

TEST_F(Runners, TasksWithTestIdsValidate) {
  add_python_task();
  add_node_task();
  const auto db = tmp.path() / "validate.db";
  const auto r = test::run_command(
      fmt::format("{} validate {} --db {}", test::binary().string(), suite().string(), db.string()));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  store::Store s(db);
  std::map<std::string, int> rows;  // tier/name -> how many attempts stored it
  for (const auto& o : s.outcomes(s.races().back().id)) ++rows[o.tier + "/" + o.name];
  EXPECT_EQ(rows, (std::map<std::string, int>{{"fail_to_pass/tests.test_fix.Fix.test_zero", 2},
                                              {"strict/tests.test_fix.Fix.test_negative_zero", 2},
                                              {"pass_to_pass/tests/test_calc.py::Existing::test_add", 2},
                                              {"fail_to_pass/clamps low", 2},
                                              {"pass_to_pass/keeps # middle", 2}}));
}

TEST_F(Runners, AProgramThatExitsEarlyReportsNoIds) {
  add_python_task();
  const auto race = tmp.path() / "race.toml";
  core::write_file(race, fmt::format("name = \"early\"\nsuite = \"{}\"\nsandbox = \"bwrap\"\n[[contenders]]\n"
                                     "name = \"exit-early\"\nscaffold = \"command\"\n"
                                     "command = [\"bash\", \"-c\", \"printf 'import os\\\\nos._exit(0)\\\\n' > calc.py\"]\n",
                                     suite().string()));
  const auto db = tmp.path() / "early.db";
  const auto r = test::run_command(
      fmt::format("{} run {} --db {} --quiet", test::binary().string(), race.string(), db.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  store::Store s(db);
  const auto id = s.races().back().id;
  const auto attempts = s.attempts(id);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].grade, 0) << attempts[0].grade_detail;
  const auto outcomes = s.outcomes(id);
  ASSERT_EQ(outcomes.size(), 3u);
  for (const auto& o : outcomes) {
    EXPECT_FALSE(o.passed) << o.name;
    EXPECT_EQ(o.exit_code, 0) << o.name;
    EXPECT_EQ(o.output_tail.rfind("not run: ", 0), 0u) << o.name << ": " << o.output_tail;
  }
}

// A setup step that needs the network fails at grading, and the grade detail says why.
TEST_F(Runners, AnOfflineFailureIsNamed) {
  add_task("needs-net", "language = \"shell\"\n", {{"a.sh", "echo a\n"}}, {{"a.sh", "echo b\n"}},
           {{"t/check.sh", "[ \"$(bash a.sh)\" = b ]\n"}},
           "setup = \"git ls-remote https://github.com/agentrace/none.git\"\n"
           "[[tests.fail_to_pass]]\nname = \"b\"\ncmd = \"bash t/check.sh\"\n");
  const auto r = test::run_command(fmt::format("{} validate {}", test::binary().string(), suite().string()));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("setup 'setup' failed as a missing network does (\"Could not resolve host\"): grading is "
                       "offline, so what the tests download belongs in [environment] setup"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace agentrace
