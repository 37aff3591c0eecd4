#pragma once
// What grading found beside the tests: hygiene flags and the LLM judge's verdict
// (docs/grading.md). Kept with the attempt.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace agentrace::record {

struct HygieneFlag {
  std::string check;   // out_of_scope | tests_edited | debug_leftovers | oversized_diff | build_warnings | tampered
  std::string detail;  // which files or lines
};

// The tampered flag's detail ("" when the attempt is not tampered).
std::string tampered_detail(const std::vector<HygieneFlag>& flags);

struct JudgeVerdict {
  std::optional<int> grade;  // empty: no usable answer
  std::string reasons;
  int tries = 0;
  std::string error;  // why there is no grade
};

// {check, detail}
void to_json(nlohmann::json& j, const HygieneFlag& f);
void from_json(const nlohmann::json& j, HygieneFlag& f);
// {grade (null when none), reasons, tries, error (when there is one)}
void to_json(nlohmann::json& j, const JudgeVerdict& v);
void from_json(const nlohmann::json& j, JudgeVerdict& v);

}  // namespace agentrace::record
