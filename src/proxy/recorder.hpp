#pragma once
// Turns what the proxy sees of one call into a CallRecord: the request body (protocol,
// model, stream flag, tool result ids), the upstream's timings, every body piece (decoded
// with the wire stream decoders for TTFT, usage and tool call ids) and how it ended.
// Once the first content came, SSE events that can only carry more text (plain content
// deltas) are framed but not JSON-parsed: that parse was most of the proxy's CPU per chunk.
// No I/O: the proxy feeds it, tests can too.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "net/client.hpp"
#include "proxy/call-record.hpp"
#include "wire/sse.hpp"

namespace agentrace::wire {
class StreamDecoder;
}

namespace agentrace::proxy {

class Recorder {
 public:
  // start_ns: steady-clock ns when the request head arrived.
  Recorder(std::int64_t start_ns, std::string method, std::string path);
  ~Recorder();
  Recorder(Recorder&&) noexcept;
  Recorder& operator=(Recorder&&) noexcept;

  CallRecord& record() { return record_; }
  const std::string& first_user_text() const { return first_user_text_; }  // of the request
  void request(std::string_view body);
  void response_head(int status, const std::string* content_type);
  void piece(std::string_view bytes, std::int64_t at_ns);
  // Fills timings, usage and the error class; call once at the end.
  void finish(const net::Error& upstream, bool client_gone, const net::FetchTimings& t,
              std::int64_t end_ns);

 private:
  double offset_ms(std::int64_t ns) const;
  void classify(const net::Error& upstream, bool client_gone);
  void decode(const wire::SseEvent& event, std::int64_t at_ns);


  CallRecord record_;
  std::int64_t start_ns_;
  std::unique_ptr<wire::StreamDecoder> decoder_;
  wire::SseParser sse_;
  std::string first_user_text_;
  std::string body_;  // non-streaming response body, for the whole-body decoder
  bool buffer_body_ = false;
  bool malformed_ = false;
  bool saw_malformed_ = false;
  std::int64_t first_piece_ns_ = 0;
};

}  // namespace agentrace::proxy
