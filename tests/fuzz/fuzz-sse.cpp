// libFuzzer target: the SSE parser gives the same events however its input is split, and
// every event it returns encodes and parses back unchanged.
#include "fuzz-common.hpp"
#include "wire/sse.hpp"

namespace {

using agentrace::wire::SseEvent;
using agentrace::wire::SseParser;

std::vector<SseEvent> parse(const std::vector<std::string_view>& pieces) {
  SseParser parser;
  std::vector<SseEvent> out;
  for (std::string_view piece : pieces) {
    for (auto& e : parser.feed(piece)) out.push_back(std::move(e));
  }
  for (auto& e : parser.finish()) out.push_back(std::move(e));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes = agentrace::wire::fuzz::as_view(data, size);
  const auto whole = parse({bytes});
  if (parse(agentrace::wire::fuzz::pieces(bytes)) != whole) std::abort();
  for (const SseEvent& e : whole) {
    const auto back = parse({agentrace::wire::encode_sse(e.event, e.data)});
    if (back.size() != 1 || back[0].data != e.data || back[0].event != e.event) std::abort();
  }
  return 0;
}
