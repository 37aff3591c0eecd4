#pragma once
// Aggregates of a case, computed from its raw samples (warm-up left out). Latencies count
// from each request's due time. Definitions (docs/speed.md):
//   TTFB  first response byte;  TTFC  first stream event;  TTFT  first content event
//   TPOT  (E2E - TTFT) / (output tokens - 1), per request
//   ITL   gaps between content chunks (per chunk), and the same / tokens per chunk (per token)
//   decode tokens/s  (output tokens - 1) / (E2E - TTFT), per request
//   output / total tokens/s, requests/s, goodput: per repetition, over its wall time
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "speed/load.hpp"
#include "speed/plan.hpp"
#include "speed/sample.hpp"

namespace agentrace::speed {

struct Dist {
  std::size_t n = 0;
  double mean = 0, sd = 0, median = 0, p90 = 0, p99 = 0, max = 0;
};
Dist distribution(const std::vector<double>& xs);
nlohmann::json to_json(const Dist& d);

// Goodput counts requests that met every limit given (--slo ttft=MS,tpot=MS,e2e=MS).
struct Slo {
  std::optional<double> ttft_ms, tpot_ms, e2e_ms;
  bool empty() const { return !ttft_ms && !tpot_ms && !e2e_ms; }
};
Slo parse_slo(const std::string& text);  // throws core::UsageError naming --slo
bool meets(const Slo& slo, const Sample& s);

struct CaseResult {
  Case c;
  std::size_t index = 0;
  std::size_t requests = 0, ok = 0;
  std::map<std::string, std::size_t> errors;  // by class
  std::string first_error;
  Dist ttfb_ms, ttfc_ms, ttft_ms, tpot_ms, itl_chunk_ms, itl_token_ms, decode_tps, e2e_ms, queued_ms;
  Dist input_tokens, output_tokens;
  double tokens_per_chunk = 0;  // output tokens / content chunks, over the case
  Dist req_per_s, output_tps, total_tps, goodput_per_s;  // over repetitions
  std::string token_source;     // usage | chunks | bytes | mixed
  std::optional<Dist> server_prompt_ms, server_predicted_ms;
  std::optional<Dist> sim_lag_ms;  // TTFT minus the simulated endpoint's send time
  // Against the sim: the client's own share of TTFT (connect and send, then receiving the
  // first content) and the server's queueing (request written -> the sim had its head).
  std::optional<Dist> client_added_ms, server_queue_ms;
};

CaseResult aggregate(const CaseRun& run, std::size_t index, const Slo& slo);

}  // namespace agentrace::speed
