#pragma once
// Shared by the libFuzzer targets of the agents' output parsers (src/scaffold/agent-output.hpp):
// the input is an agent's stdout; the properties every parsed report must keep.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "scaffold/agent-output.hpp"

namespace agentrace::scaffold::fuzz {

// The input's JSON lines, with a read every 7 bytes, 1 ms apart, for arrival times.
inline std::vector<OutputLine> lines_of(const std::uint8_t* data, std::size_t size) {
  ReadTimes times;
  for (std::size_t at = 7; at < size + 7; at += 7) times.emplace_back(at, static_cast<std::int64_t>(at / 7) * 1'000'000);
  return parse_output_lines({reinterpret_cast<const char*>(data), size}, times);
}

// A report is stored as JSON (record/agent-report.hpp): it must print, and read back as a report.
inline void check_report(const AgentReport& r) {
  const auto text = nlohmann::json(r).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  (void)nlohmann::json::parse(text).get<AgentReport>();
}

}  // namespace agentrace::scaffold::fuzz
