#pragma once
// Assistant responses in the three protocols: stream decoders, non-streaming decoders and
// encoders (the simulated endpoint's output). Nothing here does I/O, and decoding never
// throws: bad input becomes an error event of type "malformed" and decoding goes on.
//
//   auto decoder = make_stream_decoder(Protocol::anthropic_messages);
//   for (auto& piece : body_reads) for (auto& ev : decoder->feed(piece)) record(ev);
//   for (auto& ev : decoder->finish()) record(ev);
//   const AssistantTurn& turn = decoder->turn();
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "wire/protocol.hpp"
#include "wire/sse.hpp"
#include "wire/stream-event.hpp"

namespace agentrace::wire {

class StreamDecoder {
 public:
  virtual ~StreamDecoder() = default;
  // Raw response body bytes, split anywhere.
  std::vector<StreamEvent> feed(std::string_view bytes);
  // An event already framed by an SseParser.
  std::vector<StreamEvent> feed(const SseEvent& event);
  // End of body: closes open tool calls; an error "truncated" if the protocol's last event
  // ([DONE], message_stop, response.completed/incomplete/failed, error) never came.
  std::vector<StreamEvent> finish();
  const AssistantTurn& turn() const { return turn_; }  // everything decoded so far
  bool done() const { return done_; }                  // the protocol's last event was seen

 protected:
  virtual void decode(const SseEvent& event) = 0;
  virtual void close_open_calls() {}

  // Emitters for the subclasses; empty deltas are dropped.
  void started(std::string id, std::string model);
  void text(std::string_view delta);
  void reasoning(std::string_view delta);
  void tool_started(int index, std::string id, std::string name);
  void tool_arguments(int index, std::string_view delta);
  void tool_finished(int index, std::string id, std::string name, std::string arguments);
  void usage(const Usage& usage);
  void timings(const ServerTimings& timings);
  void stop(StopReason reason, std::string raw);
  void error(std::string type, std::string message);
  void malformed(std::string_view what, std::string_view data);
  void set_done() { done_ = true; }

 private:
  void emit(StreamEvent event);
  std::vector<StreamEvent> take();

  SseParser parser_;
  AssistantTurn turn_;
  std::vector<StreamEvent> out_;
  std::size_t offset_ = 0;  // end offset of the SSE event being decoded
  bool content_started_ = false;
  bool done_ = false;
};

std::unique_ptr<StreamDecoder> make_stream_decoder(Protocol protocol);

// A whole non-streaming response body (or an error body such as {"error":{...}}).
AssistantTurn decode_response(Protocol protocol, std::string_view body);

struct EncodeOptions {
  std::size_t tokens_per_chunk = 1;  // text/reasoning/arguments per delta event, in tokens
  std::size_t bytes_per_token = 4;   // the approximation of a token
  bool include_usage = true;         // chat: usage chunk with choices [] (stream_options)
  std::int64_t created = 0;          // `created` / `created_at`, unix seconds
};

struct SseChunk {
  std::string bytes;              // one complete SSE event, blank line included
  std::size_t content_bytes = 0;  // text/reasoning/argument bytes it carries
};

// The stream a real server of that protocol would send for this turn, one event a chunk
// so a latency profile can time each. turn.error, if set, ends the stream as that
// server's in-stream error event. decode(encode(turn)) == turn.
std::vector<SseChunk> encode_stream(Protocol protocol, const AssistantTurn& turn,
                                    const EncodeOptions& options = {});
// The non-streaming JSON body (an error body when turn.error is set).
std::string encode_response(Protocol protocol, const AssistantTurn& turn,
                            const EncodeOptions& options = {});

// Splits text into pieces of at most max_bytes (at least 1) without cutting a UTF-8
// character; a character longer than max_bytes makes a piece of its own.
std::vector<std::string_view> split_utf8(std::string_view text, std::size_t max_bytes);

}  // namespace agentrace::wire
