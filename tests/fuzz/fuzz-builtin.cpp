// libFuzzer target: the built-in agent's JSON lines (see fuzz-agent-output.hpp).
#include "fuzz-agent-output.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace agentrace::scaffold;
  fuzz::check_report(parse_builtin_output(fuzz::lines_of(data, size)));
  return 0;
}
