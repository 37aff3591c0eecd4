#include "proxy/recorder.hpp"

#include <chrono>

#include "wire/codec.hpp"
#include "wire/request.hpp"

namespace agentrace::proxy {
namespace {

constexpr std::size_t max_buffered_body = 64u << 20;

std::int64_t wall_ms_at(std::int64_t mono_ns) {
  const auto wall = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  return wall - (net::now_ns() - mono_ns) / 1'000'000;
}

bool contains(const std::string* text, std::string_view what) {
  return text && text->find(what) != std::string::npos;
}

ErrorClass class_of_status(int status) {
  if (status == 429) return ErrorClass::status_429;
  if (status >= 400 && status < 500) return ErrorClass::status_4xx;
  if (status >= 500) return ErrorClass::status_5xx;
  return ErrorClass::none;
}

ErrorClass class_of_transport(net::ErrorKind kind) {
  switch (kind) {
    case net::ErrorKind::none: return ErrorClass::none;
    case net::ErrorKind::resolve:
    case net::ErrorKind::connect: return ErrorClass::connect;
    case net::ErrorKind::tls: return ErrorClass::tls;
    case net::ErrorKind::stalled: return ErrorClass::stalled;
    case net::ErrorKind::timeout: return ErrorClass::timeout;
    case net::ErrorKind::protocol:
    case net::ErrorKind::limit: return ErrorClass::malformed;
    case net::ErrorKind::cancelled: return ErrorClass::client_gone;
    case net::ErrorKind::reset: return ErrorClass::reset;
  }
  return ErrorClass::reset;
}

// A JSON value's text after `"key":`, or "" when the key is absent.
std::string_view value_after(std::string_view data, std::string_view quoted_key) {
  auto at = data.find(quoted_key);
  if (at == std::string_view::npos) return {};
  at = data.find_first_not_of(" \t\r\n:", at + quoted_key.size());
  return at == std::string_view::npos ? std::string_view{} : data.substr(at);
}

bool has(std::string_view data, std::string_view what) { return data.find(what) != std::string_view::npos; }

// A chat chunk with a "delta" and no tool call, error, or non-null finish_reason, usage
// or timings. One pass over its quotes, looking only where the next letter could start one
// of those keys (six finds over the text, each stopping at every quote, were half the
// proxy's CPU on a fast stream). Quoted keys cannot occur inside a JSON string (its
// quotes are escaped there).
bool plain_chat_delta(std::string_view data) {
  bool delta = false;
  for (auto at = data.find('"'); at != std::string_view::npos && at + 1 < data.size(); at = data.find('"', at + 1)) {
    const std::string_view rest = data.substr(at);
    switch (rest[1]) {
      case 'd': delta = delta || rest.starts_with("\"delta\""); break;
      case 't':
        if (rest.starts_with("\"tool_calls\"")) return false;
        if (rest.starts_with("\"timings\"") && !value_after(rest, "\"timings\"").starts_with("null")) return false;
        break;
      case 'e':
        if (rest.starts_with("\"error\"")) return false;
        break;
      case 'f':
        if (rest.starts_with("\"finish_reason\"") && !value_after(rest, "\"finish_reason\"").starts_with("null")) return false;
        break;
      case 'u':
        if (rest.starts_with("\"usage\"") && !value_after(rest, "\"usage\"").starts_with("null")) return false;
        break;
      default: break;
    }
  }
  return delta;
}

// An event that can carry nothing but more text or reasoning (no usage, stop reason, tool
// call, timings, error or end of stream), judged from its raw text. When in doubt: false.
bool plain_content_delta(const wire::SseEvent& ev) {
  const std::string_view data = ev.data;
  if (!data.starts_with('{') || !data.ends_with('}')) return false;  // let the decoder flag it
  if (ev.event == "content_block_delta") return has(data, "\"text_delta\"") || has(data, "\"thinking_delta\"");
  if (ev.event == "response.output_text.delta" || ev.event == "response.reasoning_text.delta" ||
      ev.event == "response.reasoning_summary_text.delta") {
    return true;
  }
  return ev.event.empty() && plain_chat_delta(data);
}

}  // namespace

Recorder::Recorder(std::int64_t start_ns, std::string method, std::string path) : start_ns_(start_ns) {
  record_.method = std::move(method);
  record_.path = path.substr(0, path.find('?'));
  record_.start_mono_ns = start_ns;
  record_.start_wall_ms = wall_ms_at(start_ns);
}

Recorder::~Recorder() = default;
Recorder::Recorder(Recorder&&) noexcept = default;
Recorder& Recorder::operator=(Recorder&&) noexcept = default;

double Recorder::offset_ms(std::int64_t ns) const {
  return ns > 0 ? static_cast<double>(ns - start_ns_) / 1e6 : -1;
}

void Recorder::request(std::string_view body) {
  record_.request_bytes = body.size();
  const auto protocol = wire::detect_protocol(record_.path, body);
  if (!protocol) return;
  auto info = wire::inspect_request(*protocol, body);
  record_.protocol = std::string(wire::protocol_name(*protocol));
  record_.model = std::move(info.model);
  record_.stream = info.stream;
  record_.tool_result_ids = std::move(info.tool_result_ids);
  first_user_text_ = std::move(info.first_user_text);
}

void Recorder::response_head(int status, const std::string* content_type) {
  record_.status = status;
  const auto protocol = wire::parse_protocol(record_.protocol);
  if (!protocol) return;
  if (contains(content_type, "text/event-stream") || (!content_type && record_.stream)) {
    decoder_ = wire::make_stream_decoder(*protocol);
  } else {
    buffer_body_ = true;
  }
}

void Recorder::piece(std::string_view bytes, std::int64_t at_ns) {
  if (first_piece_ns_ == 0) first_piece_ns_ = at_ns;
  record_.chunks.push_back({at_ns - start_ns_, static_cast<std::uint32_t>(bytes.size())});
  record_.response_bytes += bytes.size();
  if (buffer_body_ && body_.size() + bytes.size() <= max_buffered_body) body_.append(bytes);
  if (!decoder_) return;
  for (const auto& event : sse_.feed(bytes)) decode(event, at_ns);
}

void Recorder::decode(const wire::SseEvent& event, std::int64_t at_ns) {
  if (record_.first_content_ms >= 0 && plain_content_delta(event)) return;
  for (const auto& ev : decoder_->feed(event)) {
    if (ev.kind == wire::EventKind::content_started && record_.first_content_ms < 0) {
      record_.first_content_ms = offset_ms(at_ns);
    }
    if (ev.kind == wire::EventKind::error && ev.error.type == "malformed") saw_malformed_ = true;
  }
}

void Recorder::finish(const net::Error& upstream, bool client_gone, const net::FetchTimings& t,
                      std::int64_t end_ns) {
  if (t.connected_ns > 0) record_.connect_ms = static_cast<double>(t.connected_ns - t.start_ns) / 1e6;
  if (t.tls_done_ns > 0) record_.tls_ms = static_cast<double>(t.tls_done_ns - t.connected_ns) / 1e6;
  record_.reused_connection = t.reused;
  record_.request_sent_ms = offset_ms(t.request_sent_ns);
  record_.first_byte_ms = offset_ms(t.first_byte_ns);
  record_.response_headers_ms = offset_ms(t.headers_ns);
  record_.first_chunk_ms = offset_ms(first_piece_ns_);
  record_.last_byte_ms = offset_ms(t.last_byte_ns > 0 ? t.last_byte_ns : t.first_byte_ns);
  record_.end_ms = offset_ms(end_ns);

  wire::AssistantTurn turn;
  if (decoder_) {
    if (!upstream && !client_gone) {
      for (const auto& event : sse_.finish()) decode(event, end_ns);
      decoder_->finish();
    }
    turn = decoder_->turn();
  } else if (buffer_body_ && !body_.empty()) {
    turn = wire::decode_response(*wire::parse_protocol(record_.protocol), body_);
    const bool content = !turn.text.empty() || !turn.reasoning.empty() || !turn.tool_calls.empty();
    if (content) record_.first_content_ms = record_.first_chunk_ms;
  }
  record_.input_tokens = turn.usage.input;
  record_.output_tokens = turn.usage.output;
  record_.cached_tokens = turn.usage.cached_input;
  record_.reasoning_tokens = turn.usage.reasoning;
  if (turn.stop != wire::StopReason::none) record_.stop_reason = std::string(wire::stop_reason_name(turn.stop));
  for (const auto& call : turn.tool_calls) record_.tool_call_ids.push_back(call.id);
  if (turn.timings) {
    record_.server_prompt_ms = turn.timings->prompt_ms;
    record_.server_predicted_ms = turn.timings->predicted_ms;
  }
  if (turn.error) record_.stream_error = turn.error->type;
  if (saw_malformed_ && record_.stream_error.empty()) record_.stream_error = "malformed";
  // A 2xx body the decoder could not read, or a stream cut short of its last event.
  const bool broken = saw_malformed_ || record_.stream_error == "malformed" ||
                      record_.stream_error == "truncated";
  malformed_ = broken && record_.status >= 200 && record_.status < 300 && !upstream;
  classify(upstream, client_gone);
}

void Recorder::classify(const net::Error& upstream, bool client_gone) {
  record_.error_detail = upstream.message;
  if (client_gone) {
    record_.error = ErrorClass::client_gone;
    if (record_.error_detail.empty() || upstream.kind == net::ErrorKind::cancelled) {
      record_.error_detail = "the client closed its connection";
    }
    return;
  }
  record_.error = class_of_transport(upstream.kind);
  if (record_.error != ErrorClass::none) return;
  record_.error = class_of_status(record_.status);
  if (record_.error == ErrorClass::none && malformed_) {
    record_.error = ErrorClass::malformed;
    record_.error_detail = "stream: " + record_.stream_error;
  }
}

}  // namespace agentrace::proxy
