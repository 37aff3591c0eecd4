#pragma once
// The LLM judge: a model configured as judge reads the task, its grade meanings, the
// shipped fix, the attempt's diff and test outcomes, and answers a grade with reasons
// as JSON. Its calls go through the race's recording proxy. It can only lower the
// automatic grade, never raise it; an answer that cannot be parsed is asked again,
// then recorded as a failure (the automatic grade stands).
#include <optional>
#include <string>
#include <vector>

#include "record/grading.hpp"
#include "store/records.hpp"

namespace agentrace::grade {

struct JudgeInput {
  std::string task_id, title, statement;
  std::string grade_meanings[4];  // miss, basic, solid, complete
  std::string fix_diff, attempt_diff;
  std::vector<store::TestOutcome> tests;
  std::string tampered;  // which harness files the attempt changed ("" = none)
  int auto_grade = 0;
};

using record::JudgeVerdict;

// The fixed judge prompt (docs/grading.md shows it).
std::string judge_system_prompt();
std::string judge_user_prompt(const JudgeInput& in);

// Finds {"grade": 0-3, "reasons": "..."} in a model's answer (fenced or bare JSON).
std::optional<int> parse_verdict(const std::string& answer, std::string& reasons);

// Asks the model at base_url (the proxy route) with the protocol's non-streaming form.
// protocol: openai-chat (POST {base}/v1/chat/completions) or anthropic-messages
// (POST {base}/v1/messages).
JudgeVerdict run_judge(const std::string& base_url, const std::string& protocol, const std::string& model,
                       const JudgeInput& in, int max_tries = 3);

// The judge caps the grade: min(automatic, judge).
int judged_grade(int automatic, const JudgeVerdict& v);

}  // namespace agentrace::grade
