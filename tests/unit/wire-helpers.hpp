#pragma once
// Shared by the wire-*-test.cpp files: captured streams, feeding them in pieces, printing.
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "support/test-support.hpp"
#include "core/fs.hpp"
#include "wire/codec.hpp"

namespace agentrace::wire {

inline std::ostream& operator<<(std::ostream& os, const SseEvent& e) {
  return os << "sse{event=" << e.event << " data=" << e.data.substr(0, 80) << " id=" << e.id
            << " end=" << e.end_offset << "}";
}

inline std::ostream& operator<<(std::ostream& os, const StreamEvent& e) {
  os << event_kind_name(e.kind) << "{index=" << e.index << " id=" << e.id << " name=" << e.name
     << " text=" << e.text << " bytes=" << e.content_bytes << " offset=" << e.offset;
  if (e.kind == EventKind::error) os << " error=" << e.error.type << ":" << e.error.message;
  if (e.kind == EventKind::stop) os << " stop=" << stop_reason_name(e.stop);
  return os << "}";
}

inline std::ostream& operator<<(std::ostream& os, const AssistantTurn& t) {
  os << "turn{id=" << t.id << " model=" << t.model << " text=" << t.text << " reasoning=" << t.reasoning
     << " stop=" << stop_reason_name(t.stop) << " calls=[";
  for (const auto& c : t.tool_calls) os << c.id << ":" << c.name << ":" << c.arguments << " ";
  os << "] usage=" << t.usage.input.value_or(-1) << "/" << t.usage.output.value_or(-1) << "/"
     << t.usage.cached_input.value_or(-1) << "/" << t.usage.reasoning.value_or(-1);
  if (t.error) os << " error=" << t.error->type << ":" << t.error->message;
  return os << "}";
}

}  // namespace agentrace::wire

namespace agentrace::wire::test {

inline std::string read_capture(const std::string& name) {
  return core::read_file(agentrace::test::data_dir() / "wire" / name);
}

struct Decoded {
  std::vector<StreamEvent> events;
  AssistantTurn turn;
};

// Feeds `pieces` in order, then finishes.
inline Decoded decode_pieces(Protocol protocol, const std::vector<std::string_view>& pieces) {
  auto decoder = make_stream_decoder(protocol);
  Decoded d;
  for (std::string_view piece : pieces) {
    for (auto& e : decoder->feed(piece)) d.events.push_back(std::move(e));
  }
  for (auto& e : decoder->finish()) d.events.push_back(std::move(e));
  d.turn = decoder->turn();
  return d;
}

inline Decoded decode_whole(Protocol protocol, std::string_view bytes) {
  return decode_pieces(protocol, {bytes});
}

inline std::vector<std::string_view> one_byte_pieces(std::string_view bytes) {
  std::vector<std::string_view> pieces;
  for (std::size_t i = 0; i < bytes.size(); ++i) pieces.push_back(bytes.substr(i, 1));
  return pieces;
}

// The offset of the first split that decodes differently from the whole stream, or -1.
inline long first_bad_split(Protocol protocol, std::string_view bytes) {
  const Decoded whole = decode_whole(protocol, bytes);
  for (std::size_t k = 0; k <= bytes.size(); ++k) {
    const Decoded split = decode_pieces(protocol, {bytes.substr(0, k), bytes.substr(k)});
    if (split.events != whole.events || split.turn != whole.turn) return static_cast<long>(k);
  }
  return -1;
}

inline std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (std::size_t i = s.find(from); i != std::string::npos; i = s.find(from, i + to.size())) {
    s.replace(i, from.size(), to);
  }
  return s;
}

inline std::string to_crlf(const std::string& s) { return replace_all(s, "\n", "\r\n"); }
inline std::string to_cr(const std::string& s) { return replace_all(s, "\n", "\r"); }

inline std::vector<EventKind> kinds(const std::vector<StreamEvent>& events) {
  std::vector<EventKind> out;
  for (const auto& e : events) out.push_back(e.kind);
  return out;
}

inline std::size_t content_bytes(const std::vector<StreamEvent>& events) {
  std::size_t n = 0;
  for (const auto& e : events) n += e.content_bytes;
  return n;
}

inline std::string join(const std::vector<SseChunk>& chunks) {
  std::string out;
  for (const auto& c : chunks) out += c.bytes;
  return out;
}

}  // namespace agentrace::wire::test
