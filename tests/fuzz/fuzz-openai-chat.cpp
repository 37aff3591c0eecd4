// libFuzzer target: the openai-chat stream and body decoders (see fuzz-common.hpp).
#include "fuzz-common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  agentrace::wire::fuzz::check_decoder(agentrace::wire::Protocol::openai_chat, data, size);
  return 0;
}
