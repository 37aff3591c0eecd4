#include "grade/judge.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sim/conversation.hpp"
#include "sim/responder.hpp"

namespace agentrace::grade {
namespace {

TEST(JudgeVerdictParse, BareFencedAndChattyAnswers) {
  std::string reasons;
  EXPECT_EQ(parse_verdict(R"({"grade": 2, "reasons": "edge cases missing"})", reasons), 2);
  EXPECT_EQ(reasons, "edge cases missing");
  EXPECT_EQ(parse_verdict("Here is my verdict:\n```json\n{\"grade\": 3, \"reasons\": \"clean\"}\n```\n", reasons), 3);
  EXPECT_EQ(reasons, "clean");
  EXPECT_EQ(parse_verdict(R"({"reasons": "x", "grade": "1"})", reasons), 1);
  // Models often answer the reasons as a list.
  EXPECT_EQ(parse_verdict(R"({"grade": 1, "reasons": ["tier fails", "no test"]})", reasons), 1);
  EXPECT_EQ(reasons, "tier fails no test");
  EXPECT_EQ(parse_verdict(R"({"grade": 2})", reasons), 2);
  EXPECT_EQ(reasons, "");
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
  for (const char* needle : {"(agentrace judge v1)", "t1: Title", "It breaks.", "0 Miss: M0", "3 Complete: C3", "+fixed line", "+attempt line",
                             "strict / edge: FAIL", "Automatic grade from the tests: 2"})
    EXPECT_NE(p.find(needle), std::string::npos) << needle;
  EXPECT_NE(judge_system_prompt().find("{\"grade\": <0-3>"), std::string::npos);
}

// The simulated endpoint answers the judge's own prompt predictably (sim/judge.hpp):
// the automatic grade, one lower or higher when the statement asks, or prose.
class SimJudge : public ::testing::TestWithParam<wire::Protocol> {
 protected:
  std::string ask(const std::string& statement, int auto_grade) {
    JudgeInput in;
    in.task_id = "t1";
    in.statement = statement;
    in.attempt_diff = "+x\n";
    in.auto_grade = auto_grade;
    nlohmann::json body = {{"model", "judge"}, {"max_tokens", 1024}, {"stream", false}};
    const nlohmann::json user = {{"role", "user"}, {"content", judge_user_prompt(in)}};
    if (GetParam() == wire::Protocol::anthropic_messages) {
      body["system"] = judge_system_prompt();
      body["messages"] = {user};
    } else {
      body["messages"] = {{{"role", "system"}, {"content", judge_system_prompt()}}, user};
    }
    // A task script that would match the statement must not answer the judge.
    sim::ScriptBook book;
    book.add({.name = "task", .match = "It breaks.", .turns = {{.text = "task script"}}});
    const auto reply = sim::answer(sim::read_conversation(GetParam(), body.dump()), book);
    EXPECT_EQ(reply.script, "judge");
    return reply.turn.text;
  }
  std::optional<int> grade(const std::string& statement, int auto_grade) {
    std::string reasons;
    auto g = parse_verdict(ask(statement, auto_grade), reasons);
    if (g) EXPECT_NE(reasons.find("simulated judge"), std::string::npos) << reasons;
    return g;
  }
};

TEST_P(SimJudge, AnswersTheAutomaticGradeOrWhatTheTaskAsks) {
  for (int g = 0; g <= 3; ++g) EXPECT_EQ(grade("It breaks.", g), g);
  EXPECT_EQ(grade("It breaks. [sim-judge: lower]", 3), 2);
  EXPECT_EQ(grade("It breaks. [sim-judge: lower]", 0), 0);
  EXPECT_EQ(grade("It breaks. [sim-judge: raise]", 0), 1);
  EXPECT_EQ(grade("It breaks. [sim-judge: raise]", 3), 3);
  EXPECT_EQ(grade("It breaks. [sim-judge: prose]", 2), std::nullopt);
  EXPECT_FALSE(ask("It breaks. [sim-judge: prose]", 2).empty());
}

INSTANTIATE_TEST_SUITE_P(Protocols, SimJudge,
                         ::testing::Values(wire::Protocol::openai_chat, wire::Protocol::anthropic_messages));

TEST(SimJudge, OtherConversationsAreNotAnsweredAsAJudge) {
  const auto c = sim::read_conversation(
      wire::Protocol::openai_chat,
      R"({"model":"m","messages":[{"role":"user","content":"Automatic grade from the tests: 2"}]})");
  EXPECT_NE(sim::answer(c, sim::ScriptBook{}).script, "judge");
}

}  // namespace
}  // namespace agentrace::grade
