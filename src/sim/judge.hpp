#pragma once
// The simulated model as an LLM judge (src/grade/judge.cpp), so the judge can be tested
// end to end: a conversation whose user text carries the judge's marker ("agentrace
// judge") gets one JSON verdict, {"grade": N, "reasons": [...]}, where N is the prompt's
// "Automatic grade from the tests: N" line. Markers anywhere in the prompt (a task's
// statement, say) steer it, so a test can predict every answer:
//   [sim-judge: lower]  N - 1, not below 0
//   [sim-judge: raise]  N + 1, not above 3 (the judge must not raise a grade)
//   [sim-judge: prose]  an answer without a JSON object (the judge retries, then records it)
#include <optional>

#include "sim/conversation.hpp"
#include "sim/script.hpp"

namespace agentrace::sim {

// A one-turn script answering the judge; nullopt when the conversation is not a judge's.
std::optional<Script> judge_script(const Conversation& conversation);

}  // namespace agentrace::sim
