// libFuzzer target: request inspection and protocol detection on any body.
#include "fuzz-common.hpp"
#include "wire/request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace agentrace::wire;
  const std::string_view bytes = fuzz::as_view(data, size);
  const std::size_t newline = bytes.find('\n');
  const std::string_view path = newline == std::string_view::npos ? std::string_view() : bytes.substr(0, newline);
  const std::string_view body = newline == std::string_view::npos ? bytes : bytes.substr(newline + 1);
  (void)detect_protocol(path, body);
  for (Protocol p : {Protocol::openai_chat, Protocol::anthropic_messages, Protocol::openai_responses}) {
    const RequestInfo info = inspect_request(p, body);
    if (info.tool_result_ids.size() != info.tool_result_texts.size()) std::abort();
  }
  return 0;
}
