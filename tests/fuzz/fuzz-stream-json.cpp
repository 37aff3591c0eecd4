// libFuzzer target: Claude Code's and Qwen Code's stream-json output (see fuzz-agent-output.hpp).
#include "fuzz-agent-output.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace agentrace::scaffold;
  const auto lines = fuzz::lines_of(data, size);
  fuzz::check_report(parse_stream_json(lines, true));
  fuzz::check_report(parse_qwen_code_output(lines));
  return 0;
}
