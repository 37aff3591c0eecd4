#pragma once
// One request of a speed run as it happened: absolute steady-clock times (net::now_ns),
// per content chunk its arrival and bytes, token counts with where they came from, and
// its failure class (wrk's habit: counted, never fatal).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace agentrace::speed {

enum class ErrorClass { none, connect, status, stream, timeout };
std::string_view error_class_name(ErrorClass e);

// How output tokens were counted: the server's usage, content chunks x a stated tokens
// per chunk (--tokens-per-chunk), or content bytes / 4.
enum class TokenSource { usage, chunks, bytes };
std::string_view token_source_name(TokenSource s);

struct Sample {
  std::size_t case_index = 0;
  int rep = 0;             // -1: warm-up (kept in raw samples, left out of aggregates)
  std::size_t sequence = 0;  // within its case
  std::int64_t scheduled_ns = 0;    // when it was due: latencies count from here
  std::int64_t sent_ns = 0;         // when the fetch started (later than scheduled when queued)
  std::int64_t first_byte_ns = 0;   // first response byte
  std::int64_t first_chunk_ns = 0;  // first stream event of any kind
  std::int64_t first_content_ns = 0;  // first content event (text, reasoning, tool call)
  std::int64_t end_ns = 0;
  std::vector<std::int64_t> chunk_ns;   // each content event's arrival
  std::vector<std::int64_t> chunk_bytes;
  int status = 0;
  ErrorClass error = ErrorClass::none;
  std::string error_detail;
  std::optional<std::int64_t> input_tokens;   // the server's usage
  std::optional<std::int64_t> usage_output_tokens;
  std::int64_t output_tokens = 0;  // as counted (token_source)
  TokenSource token_source = TokenSource::usage;
  std::optional<double> server_prompt_ms, server_predicted_ms;  // llama.cpp `timings`
  std::int64_t sim_sent_ns = 0;  // the simulated endpoint's send time of the first content
  std::int64_t sim_received_ns = 0;  // ... and when it had parsed the request's head
  std::int64_t request_sent_ns = 0;  // the request's last byte written (after connecting)

  bool ok() const { return error == ErrorClass::none; }
  double ms_since_scheduled(std::int64_t at_ns) const;  // -1 when at_ns is 0
};

// Raw form (--raw, the store): times in ms from scheduled_ns, chunks as [ms, bytes].
nlohmann::ordered_json to_json(const Sample& s);

}  // namespace agentrace::speed
