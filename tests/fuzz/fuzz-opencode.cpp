// libFuzzer target: opencode's JSON events (see fuzz-agent-output.hpp).
#include "fuzz-agent-output.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace agentrace::scaffold;
  fuzz::check_report(parse_opencode_output(fuzz::lines_of(data, size)));
  return 0;
}
