#include "grade/judge.hpp"

#include <algorithm>
#include <regex>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "net/client.hpp"
#include "wire/codec.hpp"
#include "wire/protocol.hpp"

namespace agentrace::grade {
namespace {

constexpr std::size_t kDiffCap = 40000;  // characters of each diff the judge sees
// Names the prompt's version; the simulated endpoint answers as a judge when it sees it.
constexpr std::string_view kJudgeMarker = "agentrace judge v1";

// "reasons" as a string, or a list of strings joined by spaces.
std::string reasons_text(const nlohmann::json& r) {
  if (r.is_string()) return r.get<std::string>();
  std::string out;
  if (r.is_array())
    for (const auto& x : r) out += (out.empty() ? "" : " ") + (x.is_string() ? x.get<std::string>() : x.dump());
  return out;
}

std::string capped(const std::string& s) {
  return s.size() <= kDiffCap ? s : s.substr(0, kDiffCap) + fmt::format("\n[... {} more bytes]\n", s.size() - kDiffCap);
}

std::string request_body(const std::string& protocol, const std::string& model, const JudgeInput& in) {
  nlohmann::json body;
  body["model"] = model;
  body["max_tokens"] = 1024;
  body["stream"] = false;
  if (protocol == "anthropic-messages") {
    body["system"] = judge_system_prompt();
    body["messages"] = {{{"role", "user"}, {"content", judge_user_prompt(in)}}};
  } else {
    body["temperature"] = 0;
    body["messages"] = {{{"role", "system"}, {"content", judge_system_prompt()}},
                        {{"role", "user"}, {"content", judge_user_prompt(in)}}};
  }
  return body.dump();
}

}  // namespace

std::string judge_system_prompt() {
  return "You are the judge of an agentrace benchmark (" + std::string(kJudgeMarker) + "). You grade one attempt "
         "by a coding agent to fix a reported bug. Grades: 0 Miss (not fixed or broken), 1 Basic "
         "(the symptom is patched, but a tier of tests still fails), 2 Solid (works: the fail-to-pass "
         "and pass-to-pass tests pass), 3 Complete (edge cases handled, a diff a maintainer would merge). "
         "The task says what each grade means for it. Compare the attempt's diff with the fix that "
         "shipped; it need not be the same to be right. Answer with one JSON object and nothing else: "
         "{\"grade\": <0-3>, \"reasons\": \"<two or three sentences>\"}";
}

std::string judge_user_prompt(const JudgeInput& in) {
  std::string tests;
  for (const auto& t : in.tests)
    tests += fmt::format("- {} / {}: {}{}\n", t.tier, t.name, t.passed ? "pass" : "FAIL", t.timed_out ? " (timed out)" : "");
  return fmt::format(
      "Grade this attempt ({}).\n\n# Task {}: {}\n\n## Problem statement\n{}\n\n## What each grade means for this task\n"
      "- 0 Miss: {}\n- 1 Basic: {}\n- 2 Solid: {}\n- 3 Complete: {}\n\n"
      "## The fix that shipped\n```diff\n{}```\n\n## The attempt's diff\n```diff\n{}```\n\n"
      "## Hidden test outcomes of the attempt\n{}\n{}Automatic grade from the tests: {}\n",
      kJudgeMarker, in.task_id, in.title, in.statement, in.grade_meanings[0], in.grade_meanings[1], in.grade_meanings[2],
      in.grade_meanings[3], capped(in.fix_diff), in.attempt_diff.empty() ? "(no change)\n" : capped(in.attempt_diff),
      tests.empty() ? "(none)\n" : tests,
      in.tampered.empty() ? "" : fmt::format("## Tampering\nThe attempt changed the test harness, so it is graded Miss "
                                             "(the tests above ran on the task's own harness): {}\n\n", in.tampered),
      in.auto_grade);
}

std::optional<int> parse_verdict(const std::string& answer, std::string& reasons) {
  // The first {...} holding a "grade" key, inside a code fence or not.
  static const std::regex object(R"(\{[^{}]*"grade"[^{}]*\})");
  for (std::sregex_iterator it(answer.begin(), answer.end(), object), end; it != end; ++it) {
    const auto j = nlohmann::json::parse(it->str(), nullptr, false);
    if (!j.is_object() || !j.contains("grade")) continue;
    const auto& g = j["grade"];
    int grade = -1;
    if (g.is_number_integer()) grade = g.get<int>();
    if (g.is_string() && g.get<std::string>().size() == 1) grade = g.get<std::string>()[0] - '0';
    if (grade < 0 || grade > 3) continue;
    reasons = j.contains("reasons") ? reasons_text(j["reasons"]) : "";
    return grade;
  }
  return std::nullopt;
}

JudgeVerdict run_judge(const std::string& base_url, const std::string& protocol, const std::string& model,
                       const JudgeInput& in, int max_tries) {
  JudgeVerdict v;
  const auto url = net::parse_url(base_url);
  const auto p = wire::parse_protocol(protocol).value_or(wire::Protocol::openai_chat);
  for (v.tries = 1; v.tries <= max_tries; ++v.tries) {
    net::ClientRequest req;
    req.method = "POST";
    req.target = url.base_path + "/v1" + std::string(wire::request_path(p));
    req.headers.set("content-type", "application/json");
    for (const auto& [name, value] : wire::auth_headers(p, "agentrace-dummy-key")) req.headers.set(name, value);
    req.body = request_body(protocol, model, in);
    req.total_timeout = std::chrono::minutes(5);
    const auto res = net::fetch_sync(url, req);
    if (res.status != 200) {
      v.error = fmt::format("judge endpoint answered HTTP {}{}", res.status,
                            res.status == 0 ? " (no response)" : "");
      continue;
    }
    const auto turn = wire::decode_response(p, res.body);
    v.grade = parse_verdict(turn.text, v.reasons);
    if (v.grade) {
      v.error.clear();
      return v;
    }
    v.error = fmt::format("no {{\"grade\": 0-3}} object in the answer: {}", turn.text.substr(0, 200));
  }
  v.tries = max_tries;
  return v;
}

int judged_grade(int automatic, const JudgeVerdict& v) { return v.grade ? std::min(automatic, *v.grade) : automatic; }

}  // namespace agentrace::grade
