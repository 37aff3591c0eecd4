#include "grade/hygiene.hpp"

#include <gtest/gtest.h>

namespace agentrace::grade {
namespace {

const std::string kFix =
    "diff --git a/src/calc.py b/src/calc.py\n--- a/src/calc.py\n+++ b/src/calc.py\n@@ -1,2 +1,2 @@\n"
    "-    return a - b\n+    return a + b\n"
    "diff --git a/tests/test_calc.py b/tests/test_calc.py\n--- a/tests/test_calc.py\n+++ b/tests/test_calc.py\n"
    "@@ -1 +1 @@\n-assert add(1, 1) == 0\n+assert add(1, 1) == 2\n";

std::string diff_of(const std::string& path, const std::vector<std::string>& added, bool new_file = false,
                    bool deleted = false) {
  std::string d = "diff --git a/" + path + " b/" + path + "\n";
  if (new_file) d += "new file mode 100644\n";
  if (deleted) d += "deleted file mode 100644\n";
  d += "--- a/" + path + "\n+++ b/" + path + "\n@@ -1 +1 @@\n-old\n";
  for (const auto& l : added) d += "+" + l + "\n";
  return d;
}

std::vector<std::string> checks(const std::string& diff, const std::string& log = {}) {
  std::vector<std::string> out;
  for (const auto& f : check_hygiene(diff, kFix, log)) out.push_back(f.check);
  return out;
}

TEST(Hygiene, TheShippedFixItselfIsClean) { EXPECT_TRUE(checks(kFix).empty()); }

TEST(Hygiene, FilesOutsideTheFixFoldersAreOutOfScope) {
  EXPECT_EQ(checks(diff_of("docs/notes.md", {"x"})), std::vector<std::string>{"out_of_scope"});
  EXPECT_TRUE(checks(diff_of("src/deep/helper.py", {"x"})).empty());  // a sub-folder of the fix's
  EXPECT_TRUE(checks(diff_of("tests/test_new.py", {"x"}, true)).empty());  // new tests are welcome
}

TEST(Hygiene, EditingOrDeletingExistingTestsIsFlagged) {
  EXPECT_EQ(checks(diff_of("tests/test_other.py", {"pass"})), std::vector<std::string>{"tests_edited"});
  EXPECT_EQ(checks(diff_of("src/calc_test.go", {"x"}, false, true)), std::vector<std::string>{"tests_edited"});
  // The fix edits tests/test_calc.py itself, so doing the same is no offence.
  EXPECT_TRUE(checks(diff_of("tests/test_calc.py", {"assert add(1, 1) == 2"})).empty());
}

TEST(Hygiene, DebugLeftoversInAddedLines) {
  EXPECT_EQ(checks(diff_of("src/calc.py", {"    breakpoint()"})), std::vector<std::string>{"debug_leftovers"});
  EXPECT_EQ(checks(diff_of("src/app.js", {"  console.log(x);"})).back(), "debug_leftovers");
  EXPECT_EQ(checks(diff_of("src/calc.py", {"    print('debug', a)"})), std::vector<std::string>{"debug_leftovers"});
  EXPECT_TRUE(checks(diff_of("src/calc.py", {"    return a + b"})).empty());
}

TEST(Hygiene, ADiffFarLargerThanTheFix) {
  std::vector<std::string> many(60, "x = 1");
  EXPECT_EQ(checks(diff_of("src/calc.py", many)), std::vector<std::string>{"oversized_diff"});
  std::vector<std::string> some(40, "x = 1");
  EXPECT_TRUE(checks(diff_of("src/calc.py", some)).empty());  // under max(50, 5 x 4)
}

TEST(Hygiene, CompilerWarningsInChangedFiles) {
  const auto d = diff_of("src/calc.cpp", {"int unused = 0;"});
  EXPECT_EQ(checks(d, "src/calc.cpp:3:5: warning: unused variable 'unused'\n"),
            std::vector<std::string>{"build_warnings"});
  EXPECT_TRUE(checks(d, "src/other.cpp:3:5: warning: unused variable 'u'\n").empty());
}

TEST(Hygiene, FlagsMoveOnlyPassingAttemptsDownOneGrade) {
  const std::vector<HygieneFlag> one = {{"debug_leftovers", "x"}};
  EXPECT_EQ(apply_hygiene(3, one), 2);
  EXPECT_EQ(apply_hygiene(2, one), 1);
  EXPECT_EQ(apply_hygiene(1, one), 1);
  EXPECT_EQ(apply_hygiene(0, one), 0);
  EXPECT_EQ(apply_hygiene(3, {}), 3);
  EXPECT_EQ(apply_hygiene(3, {{"a", ""}, {"b", ""}}), 2);  // one grade, however many flags
}

TEST(Hygiene, TestPaths) {
  for (const char* p : {"tests/a.py", "test/x.sh", "pkg/test_x.py", "a/b_test.go", "src/x.test.js",
                        "src/__tests__/y.js", "src/TestLedger.java", "src/LedgerTest.java"})
    EXPECT_TRUE(is_test_path(p)) << p;
  for (const char* p : {"src/contest.py", "latest/x.py", "src/testing_utils.py"}) EXPECT_FALSE(is_test_path(p)) << p;
}

}  // namespace
}  // namespace agentrace::grade
