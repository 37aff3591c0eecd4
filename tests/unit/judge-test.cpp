#include "grade/judge.hpp"

#include <gtest/gtest.h>

namespace agentrace::grade {
namespace {

TEST(JudgeVerdictParse, BareFencedAndChattyAnswers) {
  std::string reasons;
  EXPECT_EQ(parse_verdict(R"({"grade": 2, "reasons": "edge cases missing"})", reasons), 2);
  EXPECT_EQ(reasons, "edge cases missing");
  EXPECT_EQ(parse_verdict("Here is my verdict:\n```json\n{\"grade\": 3, \"reasons\": \"clean\"}\n```\n", reasons), 3);
  EXPECT_EQ(reasons, "clean");
  EXPECT_EQ(parse_verdict(R"({"reasons": "x", "grade": "1"})", reasons), 1);
}

TEST(JudgeVerdictParse, RejectsWhatIsNotAGrade) {
  std::string reasons;
  EXPECT_FALSE(parse_verdict("I think it deserves a 3.", reasons));
  EXPECT_FALSE(parse_verdict(R"({"grade": 7})", reasons));
  EXPECT_FALSE(parse_verdict(R"({"grade": -1})", reasons));
  EXPECT_FALSE(parse_verdict(R"({"score": 2})", reasons));
  EXPECT_FALSE(parse_verdict("{not json, \"grade\": 2", reasons));
  // A later valid object is still found.
  EXPECT_EQ(parse_verdict(R"({"grade": 9} then {"grade": 0, "reasons": "no fix"})", reasons), 0);
}

TEST(JudgeGrade, CanOnlyLowerTheAutomaticGrade) {
  JudgeVerdict v;
  v.grade = 1;
  EXPECT_EQ(judged_grade(3, v), 1);
  v.grade = 3;
  EXPECT_EQ(judged_grade(0, v), 0);  // never raises a failing attempt
  EXPECT_EQ(judged_grade(2, v), 2);
  JudgeVerdict none;
  EXPECT_EQ(judged_grade(2, none), 2);  // no usable answer: the automatic grade stands
}

TEST(JudgePrompt, HoldsEverythingTheJudgeNeedsAndNoContender) {
  JudgeInput in;
  in.task_id = "t1";
  in.title = "Title";
  in.statement = "It breaks.";
  in.grade_meanings[0] = "M0";
  in.grade_meanings[3] = "C3";
  in.fix_diff = "+fixed line\n";
  in.attempt_diff = "+attempt line\n";
  in.tests = {{"a", "strict", "edge", false, 1, false, 0.1, ""}};
  in.auto_grade = 2;
  const auto p = judge_user_prompt(in);
  for (const char* needle : {"t1: Title", "It breaks.", "0 Miss: M0", "3 Complete: C3", "+fixed line", "+attempt line",
                             "strict / edge: FAIL", "Automatic grade from the tests: 2"})
    EXPECT_NE(p.find(needle), std::string::npos) << needle;
  EXPECT_NE(judge_system_prompt().find("{\"grade\": <0-3>"), std::string::npos);
}

}  // namespace
}  // namespace agentrace::grade
