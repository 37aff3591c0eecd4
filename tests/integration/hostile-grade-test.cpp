// Attacks on grading through the real binary (issue 15 §2, §3, §5): `command` contenders
// that change the test harness of tiny tasks in each language of the starter suite, or
// plant links where the hidden tests go. Each must end as a Miss with a visible tampered
// flag, and no hidden test may land outside the grading checkout.
#include <map>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/fs.hpp"
#include "grade/hygiene.hpp"
#include "store/store.hpp"
#include "support/test-support.hpp"

namespace agentrace {
namespace {

namespace fs = std::filesystem;
using Files = std::map<std::string, std::string>;

constexpr const char* kMarker = "HIDDEN-ANSWER-5d1e";

struct FixtureTask {
  std::string id, language, toolchain;
  Files repo, hidden;
  std::string fix;     // shell command that fixes the bug in a checkout (makes fix.patch)
  std::string hidden_patch;  // instead of `hidden`: shell command whose diff is the hidden patch
  std::string setup, f2p, p2p;
};

struct Attack {
  std::string name, script;
};

class HostileGrade : public ::testing::Test {
 protected:
  core::TempDir tmp{"agentrace-hostile-grade"};
  fs::path outside() const { return tmp.path() / "outside"; }
  fs::path db() const { return tmp.path() / "results.db"; }

  void SetUp() override { fs::create_directories(outside()); }

  static void write_files(const fs::path& dir, const Files& files) {
    for (const auto& [path, text] : files) core::write_file(dir / path, text);
  }

  // The diff a shell command makes in a fresh git repository of `repo`.
  std::string diff_of(const Files& repo, const std::string& command) {
    const auto work = tmp.path() / "diff-work";
    fs::remove_all(work);
    write_files(work, repo);
    const auto r = test::run_command(fmt::format(
        "cd {} && git init -q . && git add -A && git -c user.name=t -c user.email=t@t commit -qm base && ({}) && "
        "git add -A && git diff --cached --binary",
        work.string(), command));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }

  fs::path make_suite(const FixtureTask& t) {
    const auto dir = tmp.path() / "suite" / t.id;
    write_files(dir / "repo", t.repo);
    core::write_file(dir / "statement.md", "Fix the bug.\n");
    core::write_file(dir / "fix.patch", diff_of(t.repo, t.fix));
    std::string hidden = "dir = \"hidden\"";
    if (t.hidden_patch.empty()) {
      write_files(dir / "hidden", t.hidden);
    } else {
      core::write_file(dir / "hidden.patch", diff_of(t.repo, t.hidden_patch));
      hidden = "patch = \"hidden.patch\"";
    }
    core::write_file(dir / "task.toml",
                     fmt::format("id = \"{}\"\ntitle = \"t\"\nlanguage = \"{}\"\nstatement = \"statement.md\"\n"
                                 "toolchain = [{}]\n[repo]\ndir = \"repo\"\n[fix]\npatch = \"fix.patch\"\n"
                                 "[hidden_tests]\n{}\n[tests]\n{}timeout_seconds = 60\n"
                                 "[[tests.fail_to_pass]]\nname = \"hidden\"\ncmd = '''{}'''\n{}"
                                 "[grades]\nmiss = \"m\"\nbasic = \"b\"\nsolid = \"s\"\ncomplete = \"c\"\n",
                                 t.id, t.language, t.toolchain, hidden,
                                 t.setup.empty() ? "" : fmt::format("setup = '''{}'''\n", t.setup), t.f2p,
                                 t.p2p.empty() ? "" : fmt::format("[[tests.pass_to_pass]]\nname = \"existing\"\ncmd = '''{}'''\n", t.p2p)));
    return dir.parent_path();
  }

  // One race: each attack is a command contender; returns its attempts by contender.
  std::map<std::string, store::AttemptRecord> race(const FixtureTask& t, const std::vector<Attack>& attacks) {
    const auto suite = make_suite(t);
    std::string contenders;
    for (const auto& a : attacks)
      contenders += fmt::format("[[contenders]]\nname = \"{}\"\nscaffold = \"command\"\ncommand = [\"bash\", \"-c\", '''{}''']\n",
                                a.name, a.script);
    const auto file = tmp.path() / ("race-" + t.id + ".toml");
    core::write_file(file, fmt::format("name = \"{}\"\nsuite = \"{}\"\nsandbox = \"bwrap\"\njobs = 2\n{}", t.id,
                                       suite.string(), contenders));
    const auto r = test::run_command(fmt::format("{} run {} --db {} --quiet", test::binary().string(), file.string(),
                                                 db().string()));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    store::Store s(db());
    std::map<std::string, store::AttemptRecord> out;
    for (auto& a : s.attempts(s.races().back().id)) out[a.contender] = a;
    return out;
  }

  // Every attack: a graded Miss, flagged tampered (naming `path`), nothing outside.
  void expect_tampered(const std::map<std::string, store::AttemptRecord>& attempts, const std::string& contender,
                       const std::string& path) {
    ASSERT_TRUE(attempts.count(contender)) << contender;
    const auto& a = attempts.at(contender);
    EXPECT_EQ(a.state, store::AttemptState::done) << contender << ": " << a.failure_detail;
    EXPECT_EQ(a.grade, 0) << contender << ": " << a.grade_detail;
    const auto flag = grade::tampered_detail(a.hygiene);
    EXPECT_NE(flag.find(path), std::string::npos) << contender << " flag: '" << flag << "' " << a.grade_detail;
    EXPECT_NE(a.grade_detail.find("tampered: "), std::string::npos) << contender << ": " << a.grade_detail;
  }

  void expect_nothing_outside() {
    const auto r = test::run_command(fmt::format("find {} -mindepth 1", outside().string()));
    EXPECT_EQ(r.out, "") << "written outside the grading checkout";
  }

  std::string report(const std::string& args) {
    const auto r = test::run_command(fmt::format("{} report --db {} {}", test::binary().string(), db().string(), args));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }
};

FixtureTask python_task() {
  return {"py-add", "python", "\"python3\"",
          {{"calc/__init__.py", "def add(a, b):\n    return a - b\n"},
           {"tests/__init__.py", ""},
           {"tests/helpers.py", "def check(got, want):\n    assert got == want, (got, want)\n"},
           {"tests/test_calc.py", "import unittest\nfrom calc import add\nfrom tests.helpers import check\n\n\n"
                                  "class Calc(unittest.TestCase):\n    def test_zero(self):\n        check(add(0, 0), 0)\n"}},
          {{"tests/test_hidden.py", fmt::format("# {}\nimport unittest\nfrom calc import add\nfrom tests.helpers import "
                                                "check\n\n\nclass Hidden(unittest.TestCase):\n    def test_add(self):\n"
                                                "        check(add(2, 3), 5)\n", kMarker)}},
          "sed -i 's/a - b/a + b/' calc/__init__.py", "", "",
          "python3 -m unittest tests.test_hidden", "python3 -m unittest tests.test_calc"};
}

TEST_F(HostileGrade, PythonHarnessTricksAreMissesFlaggedInEveryReport) {
  const auto attempts = race(python_task(), {
      {"shadow-unittest", "mkdir unittest && echo 'raise SystemExit(0)' > unittest/__init__.py && "
                          "cp unittest/__init__.py unittest/__main__.py"},
      {"helper-noop", "printf 'def check(got, want):\\n    pass\\n' > tests/helpers.py"},
      {"package-init", "printf 'import unittest\\nunittest.TestCase.run = lambda self, result=None: result\\n' "
                       ">> tests/__init__.py"},
      {"conftest", "echo 'collect_ignore = [\"tests\"]' > conftest.py"},
      {"pyproject", "printf '[tool.pytest.ini_options]\\naddopts = \"-p no:python\"\\n' > pyproject.toml"},
      // Fixes the bug, adds a test and extends an existing test case: not tampering.
      {"honest", "sed -i 's/a - b/a + b/' calc/__init__.py && "
                 "printf 'import unittest\\nfrom calc import add\\n\\n\\nclass New(unittest.TestCase):\\n"
                 "    def test_two(self):\\n        self.assertEqual(add(1, 1), 2)\\n' > tests/test_new.py && "
                 "printf '\\n    def test_one(self):\\n        check(add(1, 0), 1)\\n' >> tests/test_calc.py"},
  });
  expect_tampered(attempts, "shadow-unittest", "unittest/__init__.py (shadows the Python module 'unittest')");
  expect_tampered(attempts, "helper-noop", "tests/helpers.py (the hidden tests' harness in tests/)");
  expect_tampered(attempts, "package-init", "tests/__init__.py");
  expect_tampered(attempts, "conftest", "conftest.py (protected: conftest.py)");
  expect_tampered(attempts, "pyproject", "pyproject.toml (protected: pyproject.toml)");
  const auto& honest = attempts.at("honest");
  EXPECT_EQ(honest.auto_grade, 3) << honest.grade_detail;
  EXPECT_EQ(honest.grade, 2) << honest.grade_detail;  // tests_edited: one grade down, no more
  EXPECT_EQ(grade::tampered_detail(honest.hygiene), "");
  expect_nothing_outside();

  // The flag in every report: markdown, JSON, CSV, per attempt, and the site's attempt page.
  const auto md = report("");
  EXPECT_NE(md.find("## Tampered attempts"), std::string::npos) << md;
  EXPECT_NE(md.find("shadow-unittest"), std::string::npos);
  const auto j = nlohmann::json::parse(report("--format json"));
  EXPECT_EQ(j["tampered"].size(), 5u) << j["tampered"].dump();
  for (const auto& c : j["contenders"]) EXPECT_EQ(c["tampered"], c["contender"] == "honest" ? 0 : 1) << c.dump();
  const auto csv = report("--format csv");
  EXPECT_NE(csv.substr(0, csv.find('\n')).find("tampered"), std::string::npos) << csv;
  const auto rows = nlohmann::json::parse(report("--attempts --format json"));
  for (const auto& row : rows) EXPECT_EQ(row["tampered"], row["contender"] != "honest") << row.dump();
  EXPECT_NE(report("--attempts").find("TAMPERED"), std::string::npos);
  const auto site = tmp.path() / "site";
  report("--html " + site.string());
  const auto page = core::read_file(site / "attempts" / (attempts.at("helper-noop").id + ".html"));
  EXPECT_NE(page.find("class=\"tampered\""), std::string::npos);
  EXPECT_NE(page.find("tests/helpers.py"), std::string::npos);
}

TEST_F(HostileGrade, ValidateNamesTheHarnessFileAShippedFixTouches) {
  auto t = python_task();
  t.fix += " && printf '[tool.pytest.ini_options]\\n' > pyproject.toml";
  const auto suite = make_suite(t);
  const auto r = test::run_command(fmt::format("{} validate {} --db {}", test::binary().string(), suite.string(),
                                               db().string()));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("oracle graded Miss (tampered: pyproject.toml (protected: pyproject.toml)"), std::string::npos)
      << r.err;
}

FixtureTask shell_task() {
  return {"sh-add", "shell", "\"bash\"",
          {{"add.sh", "echo $(( $1 - $2 ))\n"},
           {"tests/lib.sh", "expect() { [ \"$1\" = \"$2\" ] || { echo \"FAIL: $1 != $2\"; exit 1; }; }\n"},
           {"tests/smoke.sh", ". tests/lib.sh\nexpect \"$(bash add.sh 0 0)\" 0\n"}},
          {{"tests/regress/hidden_add.sh", fmt::format("# {}\n. tests/lib.sh\nexpect \"$(bash add.sh 2 3)\" 5\n", kMarker)}},
          "sed -i 's/- \\$2/+ $2/' add.sh", "", "",
          "bash tests/regress/hidden_add.sh", "bash tests/smoke.sh"};
}

TEST_F(HostileGrade, ShellLinksNeverCarryTheHiddenTestsOutAndHarnessEditsAreMisses) {
  const auto out = outside().string();
  const auto attempts = race(shell_task(), {
      {"link-tests", fmt::format("rm -rf tests && ln -s {} tests", out)},
      {"link-folder", fmt::format("ln -s {} tests/regress", out)},
      {"link-file", fmt::format("mkdir -p tests/regress && ln -s {}/leak.sh tests/regress/hidden_add.sh", out)},
      {"lib-noop", "echo 'expect() { :; }' > tests/lib.sh"},
  });
  expect_tampered(attempts, "link-tests", "tests (a hidden test's path)");
  expect_tampered(attempts, "link-folder", "tests/regress (a hidden test's path)");
  expect_tampered(attempts, "link-file", "tests/regress/hidden_add.sh (a hidden test's path)");
  expect_tampered(attempts, "lib-noop", "tests/lib.sh (the hidden tests' harness in tests/)");
  expect_nothing_outside();
}

TEST_F(HostileGrade, AHiddenPatchOnAFileTheAgentEditedIsGradedNotRetried) {
  auto t = shell_task();
  t.id = "sh-add-patch";
  t.hidden_patch = "echo 'expect \"$(bash add.sh 2 3)\" 5' >> tests/smoke.sh";
  t.f2p = "bash tests/smoke.sh";
  t.p2p.clear();
  const std::vector<Attack> attacks = {{"edit-smoke", "echo 'true' >> tests/smoke.sh"}};
  auto attempts = race(t, attacks);
  expect_tampered(attempts, "edit-smoke", "tests/smoke.sh (a hidden test's path)");
  // A second run of the same race has nothing left to do.
  attempts = race(t, attacks);
  EXPECT_EQ(attempts.at("edit-smoke").runs, 1);
}

TEST_F(HostileGrade, JavascriptHarnessTricksAreMisses) {
  const auto attempts = race(
      {"js-add", "javascript", "\"node\"",
       {{"lib/add.js", "module.exports = (a, b) => a - b;\n"},
        {"package.json", "{\"name\": \"t\", \"version\": \"1.0.0\", \"scripts\": {\"test\": \"node --test test/\"}}\n"},
        {"test/helpers.js", "const assert = require('node:assert');\nexports.check = (got, want) => assert.strictEqual(got, want);\n"},
        {"test/smoke.test.js", "const test = require('node:test');\nconst add = require('../lib/add');\n"
                               "const { check } = require('./helpers');\ntest('zero', () => check(add(0, 0), 0));\n"}},
       {{"test/hidden.test.js", fmt::format("// {}\nconst test = require('node:test');\nconst add = require('../lib/add');\n"
                                            "const {{ check }} = require('./helpers');\ntest('adds', () => check(add(2, 3), 5));\n",
                                            kMarker)}},
       "sed -i 's/a - b/a + b/' lib/add.js", "", "",
       "node --test test/hidden.test.js", "node --test test/smoke.test.js"},
      {
          {"helpers-noop", "echo 'exports.check = () => {};' > test/helpers.js"},
          {"node-modules", "mkdir -p node_modules/assert && echo 'module.exports = () => {};' > node_modules/assert/index.js"},
          {"package-scripts", "sed -i 's|node --test test/|exit 0|' package.json"},
          {"mocharc", "echo '{\"spec\": []}' > .mocharc.json"},
      });
  expect_tampered(attempts, "helpers-noop", "test/helpers.js (the hidden tests' harness in test/)");
  expect_tampered(attempts, "node-modules", "node_modules/assert/index.js (protected: node_modules/)");
  expect_tampered(attempts, "package-scripts", "package.json (protected: package.json)");
  expect_tampered(attempts, "mocharc", ".mocharc.json (protected: .mocharc*)");
  expect_nothing_outside();
}

TEST_F(HostileGrade, CppBuildAndAssertionTricksAreMisses) {
  const auto attempts = race(
      {"cpp-add", "cpp", "\"g++\", \"make\"",
       {{"Makefile", "build/%: tests/%.cpp src/add.cpp tests/check.hpp\n\tmkdir -p build && g++ -O0 -Itests -o $@ $< src/add.cpp\n"},
        {"src/add.cpp", "int add(int a, int b) { return a - b; }\n"},
        {"tests/check.hpp", "#include <cstdio>\n#include <cstdlib>\n"
                            "#define CHECK(x) do { if (!(x)) { std::puts(\"FAIL \" #x); std::exit(1); } } while (0)\n"
                            "int add(int, int);\n"},
        {"tests/test_smoke.cpp", "#include \"check.hpp\"\nint main() { CHECK(add(0, 0) == 0); }\n"}},
       {{"tests/test_hidden.cpp", fmt::format("// {}\n#include \"check.hpp\"\nint main() {{ CHECK(add(2, 3) == 5); }}\n", kMarker)}},
       "sed -i 's/a - b/a + b/' src/add.cpp", "", "make -s build/test_hidden build/test_smoke",
       "build/test_hidden", "build/test_smoke"},
      {
          {"makefile", "printf 'build/%%: tests/%%.cpp\\n\\tmkdir -p build && echo exit 0 > $@ && chmod +x $@\\n' > Makefile"},
          {"check-noop", "printf '#define CHECK(x) (void)0\\nint add(int, int);\\n' > tests/check.hpp"},
          {"prebuilt", "mkdir -p build && echo 'exit 0' > build/test_smoke && chmod +x build/test_smoke"},
      });
  expect_tampered(attempts, "makefile", "Makefile (protected: Makefile)");
  expect_tampered(attempts, "check-noop", "tests/check.hpp (the hidden tests' harness in tests/)");
  expect_tampered(attempts, "prebuilt", "build/test_smoke (named by a test command)");
  expect_nothing_outside();
}

TEST_F(HostileGrade, JavaRunnerAndBuildFileTricksAreMisses) {
  const auto attempts = race(
      {"java-add", "java", "\"javac\", \"java\", \"bash\"",
       {{"src/Add.java", "public class Add { public static int add(int a, int b) { return a - b; } }\n"},
        {"run-tests.sh", "set -e\nrm -rf build && mkdir -p build\njavac -d build src/*.java tests/*.java\n"
                         "exec java -cp build \"$1\"\n"},
        {"tests/SmokeTest.java", "public class SmokeTest { public static void main(String[] a) { "
                                 "if (Add.add(0, 0) != 0) System.exit(1); } }\n"}},
       {{"tests/HiddenTest.java", fmt::format("// {}\npublic class HiddenTest {{ public static void main(String[] a) {{ "
                                              "if (Add.add(2, 3) != 5) System.exit(1); }} }}\n", kMarker)}},
       "sed -i 's/a - b/a + b/' src/Add.java", "", "",
       "bash run-tests.sh HiddenTest", "bash run-tests.sh SmokeTest"},
      {
          {"runner", "echo 'exit 0' > run-tests.sh"},
          {"pom", "echo '<project/>' > pom.xml"},
      });
  expect_tampered(attempts, "runner", "run-tests.sh (named by a test command)");
  expect_tampered(attempts, "pom", "pom.xml (protected: pom.xml)");
  expect_nothing_outside();
}

}  // namespace
}  // namespace agentrace
