#include "record/grading.hpp"

#include "core/json-fields.hpp"

namespace agentrace::record {

using core::expect_object;
using core::read;
using core::write;

std::string tampered_detail(const std::vector<HygieneFlag>& flags) {
  for (const auto& f : flags)
    if (f.check == "tampered") return f.detail.empty() ? "tampered" : f.detail;
  return "";
}

void to_json(nlohmann::json& j, const HygieneFlag& f) { j = {{"check", f.check}, {"detail", f.detail}}; }

void from_json(const nlohmann::json& j, HygieneFlag& f) {
  expect_object(j, "hygiene flag");
  f = {};
  read(j, "check", f.check);
  read(j, "detail", f.detail);
}

void to_json(nlohmann::json& j, const JudgeVerdict& v) {
  j = {{"grade", v.grade ? nlohmann::json(*v.grade) : nlohmann::json()}, {"reasons", v.reasons}, {"tries", v.tries}};
  if (!v.error.empty()) j["error"] = v.error;
}

void from_json(const nlohmann::json& j, JudgeVerdict& v) {
  expect_object(j, "judge verdict");
  v = {};
  read(j, "grade", v.grade);
  read(j, "reasons", v.reasons);
  read(j, "tries", v.tries);
  read(j, "error", v.error);
}

}  // namespace agentrace::record
