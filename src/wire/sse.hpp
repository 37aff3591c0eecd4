#pragma once
// Server-Sent Events framing (the WHATWG event-stream format), incremental and without I/O.
//
//   SseParser parser;
//   for (auto& piece : reads) for (auto& ev : parser.feed(piece)) handle(ev);
//   for (auto& ev : parser.finish()) handle(ev);
//
// Bytes may be split anywhere (inside a line, inside a "\r\n"); each event is returned by the
// feed() call that delivered its terminating blank line, never later. Work is linear in the
// input: a multi-MB data line fed in 1-byte pieces costs no rescans.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agentrace::wire {

struct SseEvent {
  std::string event;           // `event:` value; empty when the block had none
  std::string data;            // `data:` values joined with '\n'
  std::string id;              // last `id:` seen in the stream (it persists, as the spec says)
  std::size_t end_offset = 0;  // stream offset just past the byte that completed the event
  bool operator==(const SseEvent&) const = default;
};

class SseParser {
 public:
  std::vector<SseEvent> feed(std::string_view bytes);
  // End of stream: dispatches an event left without its blank line (lenient, like browsers
  // are not, because some servers end the body right after the last data line).
  std::vector<SseEvent> finish();
  std::size_t offset() const { return offset_; }  // bytes fed so far
  std::optional<std::int64_t> retry_ms() const { return retry_ms_; }

 private:
  void end_line(std::size_t end_offset, std::vector<SseEvent>& out);
  void take_field(std::string_view line);
  void dispatch(std::size_t end_offset, std::vector<SseEvent>& out);

  std::string line_;  // the current, unfinished line
  std::string event_;
  std::string data_;
  std::string last_id_;
  bool has_data_ = false;
  bool skip_lf_ = false;  // previous line ended with '\r': a following '\n' belongs to it
  bool first_line_ = true;
  std::size_t offset_ = 0;
  std::optional<std::int64_t> retry_ms_;
};

// One event in wire form: optional "event: NAME" line, one "data: " line per data line,
// then the blank line.
std::string encode_sse(std::string_view event, std::string_view data);

}  // namespace agentrace::wire
