// JSON reports: go test -json (one event a line), jest --json and mocha's json reporter.
#include <nlohmann/json.hpp>

#include <map>

#include "core/json-depth.hpp"
#include "grade/runner-common.hpp"
#include "grade/runner.hpp"

namespace agentrace::grade {
namespace {

using Json = nlohmann::json;
constexpr int kMaxDepth = 64;

Json parse(std::string_view text) {
  text = text.substr(0, std::min(text.size(), kMaxReportBytes));
  if (!core::json_nesting_within(text, kMaxDepth)) return Json();
  return Json::parse(text, nullptr, false);
}

std::string text_of(const Json& j, const char* key) {
  if (!j.is_object()) return "";
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

double number_of(const Json& j, const char* key) {
  if (!j.is_object()) return 0;
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : 0;
}

const Json& array_of(const Json& j, const char* key) {
  static const Json empty = Json::array();
  if (!j.is_object()) return empty;
  const auto it = j.find(key);
  return it != j.end() && it->is_array() ? *it : empty;
}

CaseStatus status_of(const std::string& word) {
  if (word == "passed" || word == "pass") return CaseStatus::passed;
  if (word == "pending" || word == "skipped" || word == "skip" || word == "todo" || word == "disabled")
    return CaseStatus::skipped;
  return CaseStatus::failed;
}

}  // namespace

std::vector<CaseResult> parse_go_json(std::string_view lines) {
  std::vector<CaseResult> out;
  std::map<std::string, std::string> output;  // a test's last output lines, for the failure message
  for_each_line(lines, [&](std::string_view line) {
    const auto event = parse(line);
    const auto test = text_of(event, "Test");
    const auto action = text_of(event, "Action");
    if (test.empty()) return;
    if (action == "output") {
      auto& o = output[test];
      o = cut_message(o + text_of(event, "Output"));
    } else if (action == "pass" || action == "fail" || action == "skip") {
      out.push_back({test, test, status_of(action), number_of(event, "Elapsed"), output[test]});
    }
  });
  return out;
}

std::vector<CaseResult> parse_jest_json(std::string_view json) {
  std::vector<CaseResult> out;
  const auto doc = parse(json);
  for (const auto& file : array_of(doc, "testResults")) {
    for (const auto& a : array_of(file, "assertionResults")) {
      std::string why;
      for (const auto& m : array_of(a, "failureMessages"))
        if (m.is_string() && why.empty()) why = cut_message(m.get<std::string>());
      out.push_back({text_of(a, "fullName"), text_of(a, "title"), status_of(text_of(a, "status")),
                     number_of(a, "duration") / 1000.0, why});
    }
  }
  return out;
}

std::vector<CaseResult> parse_mocha_json(std::string_view json) {
  std::vector<CaseResult> out;
  const auto doc = parse(json);
  const std::pair<const char*, CaseStatus> lists[] = {
      {"passes", CaseStatus::passed}, {"failures", CaseStatus::failed}, {"pending", CaseStatus::skipped}};
  for (const auto& [key, status] : lists) {
    for (const auto& t : array_of(doc, key)) {
      const auto err = t.is_object() && t.contains("err") ? t["err"] : Json();
      out.push_back({text_of(t, "fullTitle"), text_of(t, "title"), status, number_of(t, "duration") / 1000.0,
                     cut_message(text_of(err, "message"))});
    }
  }
  return out;
}

}  // namespace agentrace::grade
