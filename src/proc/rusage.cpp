#include "proc/rusage.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace agentrace::proc {

std::string apply_relay_rusage(std::string_view json, ProcResult& pr) {
  const auto j = nlohmann::json::parse(json, nullptr, false);
  if (!j.is_object()) return "not a JSON object";
  try {
    pr.user_s = j.value("user_s", pr.user_s);
    pr.sys_s = j.value("sys_s", pr.sys_s);
    pr.max_rss_kb = std::max(pr.max_rss_kb, j.value("max_rss_kb", 0L));
  } catch (const nlohmann::json::exception& e) {
    return e.what();
  }
  return {};
}

}  // namespace agentrace::proc
