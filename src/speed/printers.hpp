#pragma once
// The printers of a speed run, all from one field list per case (one record, many
// printers): a llama-bench-style markdown table (the sweep columns that vary; the
// constant ones on a line above), CSV, JSON; and the footer with the context the figures
// depend on.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "render/table.hpp"
#include "speed/load.hpp"
#include "speed/metrics.hpp"

namespace agentrace::speed {

struct RunInfo {
  std::string id;
  std::string started_at;  // RFC 3339
  std::string endpoint;    // the URL as given
  std::string protocol;
  std::string model;
  std::string server;      // the endpoint's `server` header
  std::string agentrace;   // core::version()
  std::string arrival;     // poisson | gamma:K (open-loop cases)
  bool simulated = false;
  bool stream = true;
  bool slo = false;        // goodput columns
  SelfCheck self;
  std::string aborted;
  nlohmann::json server_metrics;  // vLLM /metrics deltas (null when not scraped)
};

std::vector<render::Column<CaseResult>> case_columns(bool with_slo);

std::string markdown(const RunInfo& run, const std::vector<CaseResult>& cases);
std::string csv(const RunInfo& run, const std::vector<CaseResult>& cases);
nlohmann::json json(const RunInfo& run, const std::vector<CaseResult>& cases);
nlohmann::json run_json(const RunInfo& run);  // the run without its cases (the store)

// Non-empty when the client rather than the server may have limited the run.
std::string self_check_warning(const SelfCheck& self);
// --self-check: which side limited the run, with the figures that say so: the client's
// CPU share and loop lag, and per case the client-added TTFT against the server's queueing
// (both only against the sim, whose stream says when it received and sent).
struct SelfCheckVerdict {
  bool client_limited = false;
  std::string text;
};
SelfCheckVerdict self_check(const SelfCheck& self, const std::vector<CaseResult>& results);

}  // namespace agentrace::speed
