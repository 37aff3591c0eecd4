// The `reward` runner: a verifier that writes a reward instead of a test report (Harbor's
// tests/test.sh writes /logs/verifier/reward.txt, one number, or reward.json, an object of
// numbers). Each id is a condition on one of those numbers.
#include <charconv>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "grade/runner.hpp"

namespace agentrace::grade {

std::map<std::string, double> parse_reward(std::string_view text) {
  text = text.substr(0, std::min(text.size(), kMaxReportBytes));
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  std::map<std::string, double> out;
  if (!text.empty() && text.front() == '{') {
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object()) return out;
    for (const auto& [key, v] : j.items())
      if (v.is_number() && key.size() <= 64) out[key] = v.get<double>();
    return out;
  }
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec == std::errc() && end == text.data() + text.size() && std::isfinite(v)) out["reward"] = v;
  return out;
}

std::vector<store::TestOutcome> reward_outcomes(const std::string& tier, const std::vector<std::string>& ids,
                                                const std::map<std::string, double>& values, const std::string& missing,
                                                const store::TestOutcome& run) {
  std::vector<store::TestOutcome> out;
  for (const auto& id : ids) {
    store::TestOutcome o;
    o.tier = tier;
    o.name = id;
    o.exit_code = run.exit_code;
    o.timed_out = run.timed_out;
    o.duration_s = run.duration_s;
    const auto check = suite::parse_reward_check(id);
    const auto it = check ? values.find(check->key) : values.end();
    if (it == values.end()) {
      o.output_tail = fmt::format("not run: {}{}\n{}", values.empty() ? missing : fmt::format("the reward file has no '{}'",
                                  check ? check->key : id), run.timed_out ? " (the verifier timed out)" : "",
                                  run.output_tail.substr(run.output_tail.size() - std::min<std::size_t>(run.output_tail.size(), 1500)));
    } else {
      o.passed = check->holds(it->second);
      o.output_tail = fmt::format("{} = {}", it->first, it->second);
    }
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace agentrace::grade
