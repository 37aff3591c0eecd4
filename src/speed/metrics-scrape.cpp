#include "speed/metrics-scrape.hpp"

#include <cmath>

#include "net/client.hpp"

namespace agentrace::speed {

MetricValues parse_vllm_metrics(std::string_view text) {
  MetricValues out;
  while (!text.empty()) {
    const auto eol = text.find('\n');
    const std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    if (!line.starts_with("vllm:")) continue;
    const auto space = line.rfind(' ');
    const std::string_view name = line.substr(0, space);
    if (space == std::string_view::npos || name.find("_bucket") != std::string_view::npos) continue;
    try {
      out[std::string(name)] = std::stod(std::string(line.substr(space + 1)));
    } catch (const std::exception&) {
    }
  }
  return out;
}

nlohmann::json metric_deltas(const MetricValues& before, const MetricValues& after) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, value] : after) {
    const auto it = before.find(name);
    const double delta = value - (it == before.end() ? 0 : it->second);
    if (delta != 0 && std::isfinite(delta)) out[name] = delta;
  }
  return out;
}

std::optional<MetricValues> scrape_vllm(const net::Url& url, const net::Headers& headers) {
  net::ClientRequest req{.method = "GET", .target = "/metrics", .headers = headers,
                         .total_timeout = std::chrono::milliseconds(5000)};
  const auto res = net::fetch_sync(url, std::move(req));
  if (res.error || res.status != 200) return std::nullopt;
  auto values = parse_vllm_metrics(res.body);
  if (values.empty()) return std::nullopt;
  return values;
}

std::optional<std::string> server_version(const net::Url& url, const net::Headers& headers) {
  net::ClientRequest req{.method = "GET", .target = "/version", .headers = headers,
                         .total_timeout = std::chrono::milliseconds(5000)};
  const auto res = net::fetch_sync(url, std::move(req));
  if (res.error || res.status != 200) return std::nullopt;
  const auto j = nlohmann::json::parse(res.body, nullptr, false);
  if (!j.is_object() || !j.contains("version") || !j["version"].is_string()) return std::nullopt;
  return j["version"].get<std::string>();
}

}  // namespace agentrace::speed
