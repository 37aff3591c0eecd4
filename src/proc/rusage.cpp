#include "proc/rusage.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

#include <nlohmann/json.hpp>

namespace agentrace::proc {
namespace {

constexpr double kMaxRssKb = 1e15;  // an exabyte: larger is not a measurement

// A figure the relay wrote: a finite number, not negative. Anything else is left out
// (value() threw type_error on a string and cast 1e300 into a long).
std::optional<double> figure(const nlohmann::json& j, const char* key, double max, std::string& ignored) {
  const auto it = j.find(key);
  if (it == j.end()) return std::nullopt;
  if (it->is_number() && std::isfinite(it->get<double>()) && it->get<double>() >= 0 && it->get<double>() < max)
    return it->get<double>();
  ignored += (ignored.empty() ? "" : ", ") + std::string(key) + " is not a number from 0 to " + std::to_string(max);
  return std::nullopt;
}

}  // namespace

std::string apply_relay_rusage(std::string_view json, ProcResult& pr) {
  const auto j = nlohmann::json::parse(json, nullptr, false);
  if (!j.is_object()) return "not a JSON object";
  std::string ignored;
  pr.user_s = figure(j, "user_s", 1e9, ignored).value_or(pr.user_s);
  pr.sys_s = figure(j, "sys_s", 1e9, ignored).value_or(pr.sys_s);
  if (const auto rss = figure(j, "max_rss_kb", kMaxRssKb, ignored))
    pr.max_rss_kb = std::max(pr.max_rss_kb, static_cast<long>(*rss));
  return ignored;
}

}  // namespace agentrace::proc
