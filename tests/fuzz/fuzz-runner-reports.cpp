// libFuzzer target: the test runners' reports (JUnit XML, TAP, go test -json, unittest -v,
// jest and mocha JSON) and verifiers' reward files, which the code under test writes. The
// first byte picks the parser.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "grade/runner.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace agentrace::grade;
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 7 == 6) {
    const auto out = reward_outcomes("fail_to_pass", {"reward>0", "x>=1"}, parse_reward(text), "none", {});
    if (out.size() != 2) std::abort();
    return 0;
  }
  std::vector<CaseResult> cases;
  switch (data[0] % 7) {
    case 0: cases = parse_junit(text); break;
    case 1: cases = parse_tap(text); break;
    case 2: cases = parse_go_json(text); break;
    case 3: cases = parse_unittest(text); break;
    case 4: cases = parse_jest_json(text); break;
    default: cases = parse_mocha_json(text); break;
  }
  for (const auto& c : cases)
    if (c.message.size() > 300) std::abort();  // messages are cut
  const auto out = outcomes_for_ids(agentrace::suite::Runner::pytest, "strict", {"a.py::b", "c"}, cases, {});
  if (out.size() != 2) std::abort();
  return 0;
}
