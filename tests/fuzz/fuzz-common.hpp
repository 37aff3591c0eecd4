#pragma once
// Shared by the libFuzzer targets: properties every wire decoder must keep on any input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "wire/codec.hpp"

namespace agentrace::wire::fuzz {

inline std::string_view as_view(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The input in pieces of 1 to 16 bytes, a size its last byte picks: every split position
// gets tried over the runs, without feeding (and allocating a result for) one byte at a
// time in every run, which cost the SSE target three quarters of its speed.
inline std::vector<std::string_view> pieces(std::string_view bytes) {
  const std::size_t step = bytes.empty() ? 1 : 1 + static_cast<unsigned char>(bytes.back()) % 16;
  std::vector<std::string_view> out;
  for (std::size_t i = 0; i < bytes.size(); i += step) out.push_back(bytes.substr(i, step));
  return out;
}

struct Decoded {
  std::vector<StreamEvent> events;
  AssistantTurn turn;
};

inline Decoded decode(Protocol protocol, const std::vector<std::string_view>& pieces) {
  auto decoder = make_stream_decoder(protocol);
  Decoded d;
  for (std::string_view piece : pieces) {
    for (auto& e : decoder->feed(piece)) d.events.push_back(std::move(e));
  }
  for (auto& e : decoder->finish()) d.events.push_back(std::move(e));
  d.turn = decoder->turn();
  return d;
}

// A stream decodes the same whole, split in two, and in small pieces; a decoded turn
// can be encoded again (stream and body) without failing.
inline void check_decoder(Protocol protocol, const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes = as_view(data, size);
  const Decoded whole = decode(protocol, {bytes});
  const std::size_t cut = size == 0 ? 0 : (static_cast<std::size_t>(data[0]) * 131) % (size + 1);
  const Decoded split = decode(protocol, {bytes.substr(0, cut), bytes.substr(cut)});
  const Decoded small = decode(protocol, pieces(bytes));
  if (split.events != whole.events || small.events != whole.events || split.turn != whole.turn) std::abort();

  (void)decode_response(protocol, bytes);
  const std::vector<SseChunk> chunks = encode_stream(protocol, whole.turn, {.tokens_per_chunk = 8});
  std::string joined;
  for (const SseChunk& c : chunks) joined += c.bytes;
  const Decoded again = decode(protocol, {joined});
  if (again.turn.text != whole.turn.text || again.turn.tool_calls.size() != whole.turn.tool_calls.size()) {
    std::abort();
  }
  (void)decode_response(protocol, encode_response(protocol, whole.turn));
}

}  // namespace agentrace::wire::fuzz
