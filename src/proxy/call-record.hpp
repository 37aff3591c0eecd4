#pragma once
// One model call as the recording proxy saw it. Plain data with no network types: the
// store, JSON lines and reports all read this one struct (one record, many printers).
// It never holds a header value, so API keys cannot leak through it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace agentrace::proxy {

enum class ErrorClass {
  none,
  connect,      // upstream refused / unreachable / did not resolve
  tls,          // handshake or certificate verification failed
  status_4xx,   // upstream answered 4xx (not 429)
  status_429,   // rate limited
  status_5xx,
  reset,        // upstream closed or reset before the response ended
  stalled,      // no upstream byte for the stall timeout
  malformed,    // broken HTTP framing or a stream the decoder could not read
  client_gone,  // the agent closed its connection before the response ended
  timeout,      // the whole call exceeded its limit
};
std::string_view error_class_name(ErrorClass c);
std::optional<ErrorClass> parse_error_class(std::string_view name);

// One upstream read relayed to the client: when (ns after the call's start) and how big.
struct ChunkSample {
  std::int64_t offset_ns = 0;
  std::uint32_t bytes = 0;
  bool operator==(const ChunkSample&) const = default;
};

struct CallRecord {
  // The route's label, never its id: a route id is a secret capability (docs/proxy.md).
  std::string attempt_id;
  std::uint64_t sequence = 0;  // order of the call within its route, from 0
  std::string protocol;        // wire::protocol_name(), or "" for other paths
  std::string method;
  std::string path;            // upstream path, query removed
  std::string model;
  bool stream = false;         // the request asked for a stream
  std::uint64_t request_bytes = 0;
  std::uint64_t response_bytes = 0;  // body bytes relayed

  // Start = the proxy parsed the request head. Wall time is a label; durations use mono.
  std::int64_t start_wall_ms = 0;
  std::int64_t start_mono_ns = 0;
  // Durations of the upstream connect and TLS handshake; -1 on a reused connection.
  double connect_ms = -1;
  double tls_ms = -1;
  // Offsets from the start in ms; -1 when the step did not happen.
  double request_sent_ms = -1;      // last request byte written upstream
  double response_headers_ms = -1;  // upstream response head parsed
  double first_byte_ms = -1;        // first upstream response byte
  double first_chunk_ms = -1;       // first body piece of any kind
  double first_content_ms = -1;     // TTFT: first piece carrying text, reasoning or tool args
  double last_byte_ms = -1;         // last upstream byte
  double end_ms = -1;               // the call was over for the client (always set)
  bool reused_connection = false;

  std::vector<ChunkSample> chunks;  // chunk count = chunks.size()

  // Usage as the server reported it (input includes cached tokens).
  std::optional<std::int64_t> input_tokens;
  std::optional<std::int64_t> output_tokens;
  std::optional<std::int64_t> cached_tokens;
  std::optional<std::int64_t> reasoning_tokens;
  std::string stop_reason;
  std::vector<std::string> tool_call_ids;    // tool calls in the response
  std::vector<std::string> tool_result_ids;  // tool results in the request

  int status = 0;  // 0 when no response came
  ErrorClass error = ErrorClass::none;
  std::string error_detail;
  std::string stream_error;  // an error the server put in the stream ("overloaded_error", "truncated")

  // Time the server says it spent (llama.cpp timings).
  std::optional<double> server_prompt_ms;
  std::optional<double> server_predicted_ms;

  bool operator==(const CallRecord&) const = default;
};

void to_json(nlohmann::json& j, const CallRecord& r);
void from_json(const nlohmann::json& j, CallRecord& r);
std::string to_json_line(const CallRecord& r);  // one line, no newline

}  // namespace agentrace::proxy
