#include "wire/codec.hpp"

#include <algorithm>

#include "wire/codecs.hpp"

namespace agentrace::wire {

using detail::Json;

std::vector<StreamEvent> StreamDecoder::feed(std::string_view bytes) {
  for (const SseEvent& event : parser_.feed(bytes)) {
    offset_ = event.end_offset;
    decode(event);
  }
  return take();
}

std::vector<StreamEvent> StreamDecoder::feed(const SseEvent& event) {
  offset_ = event.end_offset;
  decode(event);
  return take();
}

std::vector<StreamEvent> StreamDecoder::finish() {
  for (const SseEvent& event : parser_.finish()) {
    offset_ = event.end_offset;
    decode(event);
  }
  offset_ = std::max(offset_, parser_.offset());
  close_open_calls();
  if (!done_) {
    error("truncated", "the stream ended before its final event");
    done_ = true;
  }
  return take();
}

void StreamDecoder::emit(StreamEvent event) {
  event.offset = offset_;
  apply(turn_, event);
  out_.push_back(std::move(event));
}

std::vector<StreamEvent> StreamDecoder::take() {
  std::vector<StreamEvent> out;
  out.swap(out_);
  return out;
}

void StreamDecoder::started(std::string id, std::string model) {
  StreamEvent ev{.kind = EventKind::message_started};
  ev.id = std::move(id);
  ev.name = std::move(model);
  emit(std::move(ev));
}

void StreamDecoder::text(std::string_view delta) {
  if (delta.empty()) return;
  if (!content_started_) {
    content_started_ = true;
    emit(StreamEvent{.kind = EventKind::content_started});
  }
  emit(StreamEvent{.kind = EventKind::text_delta, .text = std::string(delta), .content_bytes = delta.size()});
}

void StreamDecoder::reasoning(std::string_view delta) {
  if (delta.empty()) return;
  if (!content_started_) {
    content_started_ = true;
    emit(StreamEvent{.kind = EventKind::content_started});
  }
  emit(StreamEvent{.kind = EventKind::reasoning_delta, .text = std::string(delta), .content_bytes = delta.size()});
}

void StreamDecoder::tool_started(int index, std::string id, std::string name) {
  if (!content_started_) {
    content_started_ = true;
    emit(StreamEvent{.kind = EventKind::content_started});
  }
  emit(StreamEvent{.kind = EventKind::tool_call_started, .index = index, .id = std::move(id), .name = std::move(name)});
}

void StreamDecoder::tool_arguments(int index, std::string_view delta) {
  if (delta.empty()) return;
  emit(StreamEvent{.kind = EventKind::tool_arguments_delta, .index = index, .text = std::string(delta), .content_bytes = delta.size()});
}

void StreamDecoder::tool_finished(int index, std::string id, std::string name, std::string arguments) {
  emit(StreamEvent{.kind = EventKind::tool_call_finished, .index = index, .id = std::move(id),
                   .name = std::move(name), .text = std::move(arguments)});
}

void StreamDecoder::usage(const Usage& u) {
  if (u.empty()) return;
  emit(StreamEvent{.kind = EventKind::usage, .usage = u});
}

void StreamDecoder::timings(const ServerTimings& t) {
  if (!t.prompt_ms && !t.predicted_ms) return;
  emit(StreamEvent{.kind = EventKind::server_timings, .timings = t});
}

void StreamDecoder::stop(StopReason reason, std::string raw) {
  emit(StreamEvent{.kind = EventKind::stop, .text = std::move(raw), .stop = reason});
}

void StreamDecoder::error(std::string type, std::string message) {
  emit(StreamEvent{.kind = EventKind::error, .error = WireError{std::move(type), std::move(message)}});
}

void StreamDecoder::malformed(std::string_view what, std::string_view data) {
  constexpr std::size_t excerpt = 200;
  std::string message(what);
  if (!data.empty()) {
    message += ": ";
    message += data.substr(0, excerpt);
    if (data.size() > excerpt) message += "...";
  }
  error("malformed", std::move(message));
}

std::unique_ptr<StreamDecoder> make_stream_decoder(Protocol protocol) {
  switch (protocol) {
    case Protocol::openai_chat: return detail::make_openai_chat_decoder();
    case Protocol::anthropic_messages: return detail::make_anthropic_decoder();
    case Protocol::openai_responses: return detail::make_responses_decoder();
  }
  return detail::make_openai_chat_decoder();
}

AssistantTurn decode_response(Protocol protocol, std::string_view body) {
  const std::optional<Json> json = detail::parse_json(body);
  if (!json || !json->is_object()) {
    AssistantTurn turn;
    turn.error = WireError{"malformed", "the response body is not a JSON object"};
    return turn;
  }
  if (auto err = detail::error_of(*json)) {
    AssistantTurn turn;
    turn.error = std::move(err);
    return turn;
  }
  switch (protocol) {
    case Protocol::openai_chat: return detail::decode_openai_chat_body(*json);
    case Protocol::anthropic_messages: return detail::decode_anthropic_body(*json);
    case Protocol::openai_responses: return detail::decode_responses_body(*json);
  }
  return {};
}

std::vector<SseChunk> encode_stream(Protocol protocol, const AssistantTurn& turn, const EncodeOptions& options) {
  switch (protocol) {
    case Protocol::openai_chat: return detail::encode_openai_chat_stream(turn, options);
    case Protocol::anthropic_messages: return detail::encode_anthropic_stream(turn, options);
    case Protocol::openai_responses: return detail::encode_responses_stream(turn, options);
  }
  return {};
}

std::string encode_response(Protocol protocol, const AssistantTurn& turn, const EncodeOptions& options) {
  switch (protocol) {
    case Protocol::openai_chat: return detail::dump(detail::encode_openai_chat_body(turn, options));
    case Protocol::anthropic_messages: return detail::dump(detail::encode_anthropic_body(turn, options));
    case Protocol::openai_responses: return detail::dump(detail::encode_responses_body(turn, options));
  }
  return {};
}

std::vector<std::string_view> split_utf8(std::string_view text, std::size_t max_bytes) {
  max_bytes = std::max<std::size_t>(max_bytes, 1);
  std::vector<std::string_view> pieces;
  const auto continuation = [&](std::size_t i) {
    return i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80;
  };
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = std::min(start + max_bytes, text.size());
    while (end > start && continuation(end)) --end;
    if (end == start) {  // one character wider than max_bytes
      end = start + 1;
      while (continuation(end)) ++end;
    }
    pieces.push_back(text.substr(start, end - start));
    start = end;
  }
  return pieces;
}

namespace detail {

std::vector<std::string_view> chunks(std::string_view text, const EncodeOptions& options) {
  return split_utf8(text, std::max<std::size_t>(options.tokens_per_chunk, 1) *
                              std::max<std::size_t>(options.bytes_per_token, 1));
}

std::optional<WireError> error_of(const Json& body) {
  const Json* err = object_member(body, "error");
  if (!err) return std::nullopt;
  // A Responses body carries "error": null on success, and an object only on failure;
  // Responses' failed bodies are decoded with their output instead.
  if (member(body, "output")) return std::nullopt;
  WireError e{string_member(*err, "type"), string_member(*err, "message")};
  if (e.type.empty()) e.type = string_member(*err, "code");
  if (e.type.empty()) e.type = "error";
  return e;
}

std::string id_or(const std::string& id, const char* fallback) {
  return id.empty() ? std::string(fallback) : id;
}

}  // namespace detail
}  // namespace agentrace::wire
