#pragma once
// Server-side figures and version: vLLM's Prometheus /metrics scraped before and after a run, and the
// counters that changed (prompt and generation tokens, preemptions, request totals,
// latency sums). llama.cpp's per-request `timings` come with the stream (sample.hpp).
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "net/http.hpp"

namespace agentrace::speed {

using MetricValues = std::map<std::string, double>;  // "name{labels}" -> value

// vllm:* samples of a Prometheus text exposition, histogram buckets left out.
MetricValues parse_vllm_metrics(std::string_view text);
// Every series whose value changed: {"name{labels}": after - before}.
nlohmann::json metric_deltas(const MetricValues& before, const MetricValues& after);
// GET <origin>/metrics; nullopt unless it answers 200 with vllm:* metrics.
std::optional<MetricValues> scrape_vllm(const net::Url& url, const net::Headers& headers);
// The server's version from GET <origin>/version ({"version": "..."}, as vLLM answers).
std::optional<std::string> server_version(const net::Url& url, const net::Headers& headers);

}  // namespace agentrace::speed
