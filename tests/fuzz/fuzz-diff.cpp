// libFuzzer target: the hygiene checks over an attempt's diff (src/grade/hygiene.cpp),
// which the agent writes, against a small shipped fix.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "grade/hygiene.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string fix = "diff --git a/src/x.py b/src/x.py\n--- a/src/x.py\n+++ b/src/x.py\n"
                                 "@@ -1 +1 @@\n-x = 1\n+x = 2\n";
  const std::string diff(reinterpret_cast<const char*>(data), size);
  // The flags quote the agent's bytes; the store prints them so (store.cpp, record_text).
  (void)nlohmann::json(agentrace::grade::check_hygiene(diff, fix, diff))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return 0;
}
