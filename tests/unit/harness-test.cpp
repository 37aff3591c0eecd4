// The test harness rules (grade/harness): which changes of a diff are left out before
// grading and which mark the attempt tampered; hidden tests placed without following links.
#include "grade/harness.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "grade/hygiene.hpp"
#include "grade/judge.hpp"
#include "workspace/workspace.hpp"
#include "support/test-support.hpp"

namespace agentrace::grade {
namespace {
namespace fs = std::filesystem;

std::string section(const std::string& path, const char* header = "") {
  return "diff --git a/" + path + " b/" + path + "\n" + header + "--- a/" + path + "\n+++ b/" + path +
         "\n@@ -1 +1 @@\n-old\n+new\n";
}
std::string added(const std::string& path) { return section(path, "new file mode 100644\n"); }

// A python task: hidden tests/test_hidden.py, commands naming run.sh.
suite::Task python_task(const fs::path& dir) {
  core::write_file(dir / "hidden" / "tests" / "test_hidden.py", "HIDDEN\n");
  suite::Task t;
  t.language = "python";
  t.hidden = dir / "hidden";
  t.tests = {{suite::Tier::fail_to_pass, "f2p", "bash ./run.sh tests.test_hidden"}};
  t.protected_globs = suite::default_protected("python");
  return t;
}

std::vector<std::string> tampered_paths(const ScreenedDiff& s) {
  std::vector<std::string> out;
  for (const auto& t : s.tampered) out.push_back(t.path);
  return out;
}

TEST(Harness, GlobsMatchNamesAtAnyDepthAndFoldersWithEverythingInThem) {
  EXPECT_TRUE(glob_match("conftest.py", "conftest.py"));
  EXPECT_TRUE(glob_match("conftest.py", "a/b/conftest.py"));
  EXPECT_FALSE(glob_match("conftest.py", "a/conftest.pyx"));
  EXPECT_TRUE(glob_match("node_modules/", "web/node_modules/left-pad/index.js"));
  EXPECT_TRUE(glob_match(".mocharc*", ".mocharc.yml"));
  EXPECT_TRUE(glob_match("*.o", "build/x.o"));
  EXPECT_TRUE(glob_match("/setup.cfg", "setup.cfg"));
  EXPECT_FALSE(glob_match("/setup.cfg", "pkg/setup.cfg"));
  EXPECT_TRUE(glob_match("tests/**/fixtures", "tests/a/b/fixtures/x.json"));
  EXPECT_TRUE(glob_match("tests/**/fixtures", "tests/fixtures"));
  EXPECT_FALSE(glob_match("tests/*.py", "tests/a/b.py"));
}

TEST(Harness, QuotedAndSpacedNamesAreParsedAsGitWroteThem) {
  const auto files = parse_diff("diff --git \"a/x\\ty/conftest.py\" \"b/x\\ty/conftest.py\"\nnew file mode 100644\n" +
                                section("a b/c d.txt"));
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].path, "x\ty/conftest.py");
  EXPECT_EQ(files[1].path, "a b/c d.txt");
  EXPECT_EQ(files[0].text + files[1].text,
            "diff --git \"a/x\\ty/conftest.py\" \"b/x\\ty/conftest.py\"\nnew file mode 100644\n" + section("a b/c d.txt"));
}

// The changed-files list the store keeps reads the same names as grading does.
TEST(Harness, ChangedFilesListsQuotedAndSpacedNamesWhole) {
  const auto diff = "diff --git \"a/x\\ty/conftest.py\" \"b/x\\ty/conftest.py\"\nnew file mode 100644\n" +
                    section("a b/c d.txt");
  EXPECT_EQ(workspace::diff_paths(diff), (std::vector<std::string>{"a b/c d.txt", "x\ty/conftest.py"}));
}

TEST(Harness, ChangesToTheHarnessAreLeftOutAndMarkTampered) {
  core::TempDir tmp("harness");
  const auto task = python_task(tmp.path());
  const auto s = screen_diff(task, section("calc/add.py") + added("tests/test_hidden.py") + section("run.sh") +
                                        added("pkg/conftest.py") + added("unittest/__main__.py") + added("re.py") +
                                        section("tests/helpers.py") + section("tests/test_calc.py") +
                                        added("tests/test_new.py") + added("docs/re.py"));
  EXPECT_EQ(tampered_paths(s), (std::vector<std::string>{"pkg/conftest.py", "re.py", "run.sh", "tests/helpers.py",
                                                         "tests/test_hidden.py", "unittest/__main__.py"}));
  EXPECT_EQ(s.restored, std::vector<std::string>{"tests/test_calc.py"});  // a test case: restored, no flag
  EXPECT_EQ(s.kept, section("calc/add.py") + added("tests/test_new.py") + added("docs/re.py"));
  EXPECT_NE(touches_text(s.tampered).find("tests/test_hidden.py (a hidden test's path)"), std::string::npos);
  EXPECT_EQ(s.tampered.back().why, "shadows the Python module 'unittest'");
  EXPECT_NE(touches_text(s.tampered).find(" and 1 more"), std::string::npos);  // five named at most
}

TEST(Harness, LinksAboveAHiddenTestAndUnsafePathsAreTampering) {
  core::TempDir tmp("harness");
  const auto task = python_task(tmp.path());
  const auto link = std::string("diff --git a/tests b/tests\nnew file mode 120000\n--- /dev/null\n+++ b/tests\n"
                                "@@ -0,0 +1 @@\n+/outside\n\\ No newline at end of file\n");
  const auto s = screen_diff(task, link + section("../escape.txt") + section(".git/config") + added("ok.txt"));
  EXPECT_EQ(tampered_paths(s), (std::vector<std::string>{"../escape.txt", ".git/config", "tests"}));
  EXPECT_EQ(s.kept, added("ok.txt"));
}

TEST(Harness, ATypeChangeIsJudgedAsOnePath) {
  core::TempDir tmp("harness");
  const auto task = python_task(tmp.path());
  // tests/test_calc.py (a test case) turned into a link: its deletion and its addition go together.
  const auto s = screen_diff(task, section("tests/test_calc.py", "deleted file mode 100644\n") +
                                        section("tests/test_calc.py", "new file mode 120000\n"));
  EXPECT_TRUE(s.kept.empty());
  EXPECT_EQ(s.restored, std::vector<std::string>{"tests/test_calc.py"});
}

TEST(Harness, TheStarterSuitesShippedFixesTouchNoHarness) {
  for (const auto& e : fs::directory_iterator(test::source_dir() / "suites" / "starter")) {
    const auto task = suite::load_task(e.path());
    const auto s = screen_diff(task, core::read_file(task.fix_patch));
    EXPECT_TRUE(s.tampered.empty()) << task.id << ": " << touches_text(s.tampered);
    EXPECT_TRUE(s.restored.empty()) << task.id;
    EXPECT_EQ(s.kept, core::read_file(task.fix_patch)) << task.id;
  }
}

TEST(Harness, HiddenTestsAreNeverWrittenThroughALink) {
  core::TempDir tmp("harness");
  const auto task = python_task(tmp.path());
  const auto outside = tmp.path() / "outside";
  fs::create_directories(outside);
  for (const auto& [link, target] : {std::pair{"tests", outside}, std::pair{"tests/test_hidden.py", outside / "leak.py"}}) {
    const auto checkout = tmp.path() / "checkout";
    fs::remove_all(checkout);
    fs::create_directories(checkout / "tests");
    if (std::string(link) == "tests") fs::remove(checkout / "tests");
    fs::create_symlink(target, checkout / link);
    EXPECT_THROW(place_hidden_tests(task, checkout), core::InfraError) << link;
    EXPECT_TRUE(fs::is_empty(outside)) << link;
  }
  const auto checkout = tmp.path() / "plain";
  fs::create_directories(checkout);
  place_hidden_tests(task, checkout);
  EXPECT_EQ(core::read_file(checkout / "tests" / "test_hidden.py"), "HIDDEN\n");
}

// [hidden_tests] with a patch and a folder: the patch, then the support files; both protected.
TEST(Harness, AHiddenPatchWithSupportFiles) {
  core::TempDir tmp("harness");
  auto task = python_task(tmp.path());
  task.hidden_kind = suite::HiddenKind::patch;
  task.hidden_support = task.hidden;
  task.hidden = tmp.path() / "hidden.patch";
  core::write_file(task.hidden, "diff --git a/tests/test_old.py b/tests/test_old.py\n--- a/tests/test_old.py\n"
                                "+++ b/tests/test_old.py\n@@ -1 +1 @@\n-old\n+new\n");
  EXPECT_EQ(hidden_test_paths(task), (std::vector<std::string>{"tests/test_hidden.py", "tests/test_old.py"}));
  const auto checkout = tmp.path() / "checkout";
  core::write_file(checkout / "tests" / "test_old.py", "old\n");
  place_hidden_tests(task, checkout);
  EXPECT_EQ(core::read_file(checkout / "tests" / "test_old.py"), "new\n");
  EXPECT_EQ(core::read_file(checkout / "tests" / "test_hidden.py"), "HIDDEN\n");
}

TEST(Harness, ATamperedAttemptIsAMissAndTheJudgeIsTold) {
  const std::vector<HygieneFlag> flags = {{"tampered", "conftest.py (protected: conftest.py)"}};
  EXPECT_EQ(apply_hygiene(3, flags), 0);
  EXPECT_EQ(tampered_detail(flags), "conftest.py (protected: conftest.py)");
  EXPECT_EQ(tampered_detail({}), "");
  JudgeInput in;
  in.tampered = "conftest.py (protected: conftest.py)";
  const auto prompt = judge_user_prompt(in);
  EXPECT_NE(prompt.find("## Tampering"), std::string::npos);
  EXPECT_EQ(prompt.substr(prompt.rfind('\n', prompt.size() - 2) + 1), "Automatic grade from the tests: 0\n");
}

}  // namespace
}  // namespace agentrace::grade
