// libFuzzer target: the anthropic stream and body decoders (see fuzz-common.hpp).
#include "fuzz-common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  agentrace::wire::fuzz::check_decoder(agentrace::wire::Protocol::anthropic_messages, data, size);
  return 0;
}
