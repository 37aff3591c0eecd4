#include "sim/judge.hpp"

#include <algorithm>
#include <string_view>

#include <nlohmann/json.hpp>

namespace agentrace::sim {
namespace {

constexpr std::string_view kMarker = "agentrace judge";
constexpr std::string_view kGradeLine = "Automatic grade from the tests: ";

// The digit after the last grade line (the prompt ends with it; a diff could quote it).
std::optional<int> automatic_grade(std::string_view text) {
  const auto at = text.rfind(kGradeLine);
  if (at == std::string_view::npos || at + kGradeLine.size() >= text.size()) return std::nullopt;
  const char digit = text[at + kGradeLine.size()];
  if (digit < '0' || digit > '3') return std::nullopt;
  return digit - '0';
}

std::string verdict(std::string_view prompt) {
  if (prompt.find("[sim-judge: prose]") != std::string_view::npos)
    return "The attempt looks reasonable to me, but I would rather not commit to a number.";
  const auto automatic = automatic_grade(prompt);
  int grade = automatic.value_or(0);
  std::vector<std::string> reasons = {automatic ? "simulated judge: the automatic grade is " + std::to_string(*automatic)
                                                : "simulated judge: the prompt has no automatic grade line"};
  if (prompt.find("[sim-judge: lower]") != std::string_view::npos) {
    grade = std::max(grade - 1, 0);
    reasons.emplace_back("the task asked the simulated judge for one grade lower");
  } else if (prompt.find("[sim-judge: raise]") != std::string_view::npos) {
    grade = std::min(grade + 1, 3);
    reasons.emplace_back("the task asked the simulated judge for one grade higher");
  }
  return nlohmann::json{{"grade", grade}, {"reasons", reasons}}.dump();
}

}  // namespace

std::optional<Script> judge_script(const Conversation& c) {
  const auto prompt = std::find_if(c.user_texts.begin(), c.user_texts.end(),
                                   [](const std::string& t) { return t.find(kMarker) != std::string::npos; });
  if (prompt == c.user_texts.end()) return std::nullopt;
  // A match of its own keeps the load answers (sim/load.hpp) off the judge's requests.
  return Script{.name = "judge", .match = std::string(kMarker), .turns = {Turn{.text = verdict(*prompt)}}};
}

}  // namespace agentrace::sim
