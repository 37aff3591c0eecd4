// libFuzzer target: the hygiene checks over an attempt's diff (src/grade/hygiene.cpp),
// which the agent writes, against a small shipped fix.
#include <cstddef>
#include <cstdint>
#include <string>

#include "grade/hygiene.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string fix = "diff --git a/src/x.py b/src/x.py\n--- a/src/x.py\n+++ b/src/x.py\n"
                                 "@@ -1 +1 @@\n-x = 1\n+x = 2\n";
  const std::string diff(reinterpret_cast<const char*>(data), size);
  (void)agentrace::grade::hygiene_json(agentrace::grade::check_hygiene(diff, fix, diff));
  return 0;
}
