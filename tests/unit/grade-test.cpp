// The automatic grade from per-test outcomes (docs/task-format.md, "Automatic grade").
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "grade/grade.hpp"

namespace agentrace::grade {
namespace {

using store::TestOutcome;

// Two fail-to-pass tests, one strict, one pass-to-pass, and a setup step.
suite::Task task() {
  suite::Task t;
  t.id = "demo";
  t.setup = "make";
  t.tests = {{suite::Tier::fail_to_pass, "f1", "true"},
             {suite::Tier::fail_to_pass, "f2", "true"},
             {suite::Tier::strict, "s1", "true"},
             {suite::Tier::pass_to_pass, "p1", "true"}};
  return t;
}

TestOutcome outcome(const std::string& tier, const std::string& name, bool passed) {
  TestOutcome o;
  o.tier = tier;
  o.name = name;
  o.passed = passed;
  o.exit_code = passed ? 0 : 1;
  return o;
}

// Outcomes with setup passing; each flag says whether that test passed.
std::vector<TestOutcome> outcomes(bool f1, bool f2, bool s1, bool p1) {
  return {outcome("setup", "setup", true), outcome("fail_to_pass", "f1", f1), outcome("fail_to_pass", "f2", f2),
          outcome("strict", "s1", s1), outcome("pass_to_pass", "p1", p1)};
}

TEST(AutoGrade, SetupFailedIsMiss) {
  // Grading stops after a failed setup: only its outcome is there.
  const auto g = auto_grade(task(), {outcome("setup", "setup", false)});
  EXPECT_EQ(g.grade, 0);
  EXPECT_EQ(g.detail, "setup (build) failed");
  ASSERT_EQ(g.outcomes.size(), 1u);
}

TEST(AutoGrade, SetupFailedIsMissEvenWhenTestsPass) {
  auto o = outcomes(true, true, true, true);
  o[0].passed = false;
  const auto g = auto_grade(task(), o);
  EXPECT_EQ(g.grade, 0);
  EXPECT_EQ(g.detail, "setup (build) failed");
}

TEST(AutoGrade, NoFailToPassPassingIsMiss) {
  const auto g = auto_grade(task(), outcomes(false, false, true, true));
  EXPECT_EQ(g.grade, 0);
  EXPECT_EQ(g.detail, "fail_to_pass: 0 of 2 pass");
}

TEST(AutoGrade, SomeFailToPassPassingIsBasic) {
  const auto g = auto_grade(task(), outcomes(true, false, true, true));
  EXPECT_EQ(g.grade, 1);
  EXPECT_EQ(g.detail, "fail_to_pass: 1 of 2 pass");
}

TEST(AutoGrade, AllFailToPassButPassToPassFailingIsBasic) {
  const auto g = auto_grade(task(), outcomes(true, true, true, false));
  EXPECT_EQ(g.grade, 1);
  EXPECT_EQ(g.detail, "pass_to_pass: 1 failing");
}

TEST(AutoGrade, PassToPassFailureOutranksStrictFailure) {
  const auto g = auto_grade(task(), outcomes(true, true, false, false));
  EXPECT_EQ(g.grade, 1);
  EXPECT_EQ(g.detail, "pass_to_pass: 1 failing");
}

TEST(AutoGrade, StrictFailingIsSolid) {
  const auto g = auto_grade(task(), outcomes(true, true, false, true));
  EXPECT_EQ(g.grade, 2);
  EXPECT_EQ(g.detail, "strict: 1 failing");
}

TEST(AutoGrade, EveryTierPassingIsComplete) {
  const auto g = auto_grade(task(), outcomes(true, true, true, true));
  EXPECT_EQ(g.grade, 3);
  EXPECT_EQ(g.detail, "all tiers pass");
  ASSERT_EQ(g.outcomes.size(), 5u);  // the outcomes are kept, in order
  EXPECT_EQ(g.outcomes[1].name, "f1");
  EXPECT_EQ(g.outcomes[4].name, "p1");
}

TEST(AutoGrade, TaskWithoutSetupOrStrictTests) {
  suite::Task t;
  t.tests = {{suite::Tier::fail_to_pass, "f1", "true"}, {suite::Tier::pass_to_pass, "p1", "true"}};
  const auto g = auto_grade(t, {outcome("fail_to_pass", "f1", true), outcome("pass_to_pass", "p1", true)});
  EXPECT_EQ(g.grade, 3);
  EXPECT_EQ(g.detail, "all tiers pass");
}

TEST(AutoGrade, CountsSeveralFailures) {
  suite::Task t = task();
  t.tests.push_back({suite::Tier::strict, "s2", "true"});
  t.tests.push_back({suite::Tier::pass_to_pass, "p2", "true"});
  auto o = outcomes(true, true, false, false);
  o.push_back(outcome("strict", "s2", false));
  o.push_back(outcome("pass_to_pass", "p2", false));
  EXPECT_EQ(auto_grade(t, o).detail, "pass_to_pass: 2 failing");
  o[4].passed = true;
  o[6].passed = true;
  const auto g = auto_grade(t, o);
  EXPECT_EQ(g.grade, 2);
  EXPECT_EQ(g.detail, "strict: 2 failing");
}

TEST(AutoGrade, NoOutcomesIsMiss) {
  const auto g = auto_grade(task(), {});
  EXPECT_EQ(g.grade, 0);
  EXPECT_EQ(g.detail, "fail_to_pass: 0 of 2 pass");
}

}  // namespace
}  // namespace agentrace::grade
