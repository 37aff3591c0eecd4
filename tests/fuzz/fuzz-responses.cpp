// libFuzzer target: the responses stream and body decoders (see fuzz-common.hpp).
#include "fuzz-common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  agentrace::wire::fuzz::check_decoder(agentrace::wire::Protocol::openai_responses, data, size);
  return 0;
}
