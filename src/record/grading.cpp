#include "record/grading.hpp"

#include "core/json-fields.hpp"

namespace agentrace::record {

using core::Rule;

std::string tampered_detail(const std::vector<HygieneFlag>& flags) {
  for (const auto& f : flags)
    if (f.check == "tampered") return f.detail.empty() ? "tampered" : f.detail;
  return "";
}

template <class V>
void fields(V& v, HygieneFlag& f) {
  v("check", f.check);
  v("detail", f.detail);
}

template <class V>
void fields(V& v, JudgeVerdict& verdict) {
  v("grade", verdict.grade, Rule::null_empty);
  v("reasons", verdict.reasons);
  v("tries", verdict.tries);
  v("error", verdict.error, Rule::omit_empty);
}

void to_json(nlohmann::json& j, const HygieneFlag& f) { core::write_fields(j, f); }
void from_json(const nlohmann::json& j, HygieneFlag& f) { core::read_fields(j, f, "hygiene flag"); }
void to_json(nlohmann::json& j, const JudgeVerdict& v) { core::write_fields(j, v); }
void from_json(const nlohmann::json& j, JudgeVerdict& v) { core::read_fields(j, v, "judge verdict"); }

}  // namespace agentrace::record
