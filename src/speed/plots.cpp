#include "speed/plots.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "render/svg.hpp"

namespace agentrace::speed {

namespace {

// Cases that differ only in prompt length form one series.
std::string series_name(const Case& c) {
  std::string name = fmt::format("out {}, conc {}", c.output_tokens, c.concurrency > 0 ? std::to_string(c.concurrency) : "-");
  return c.open_loop() ? name + fmt::format(", {:g}/s", c.rate) : name;
}

render::LineChart by_context(const std::vector<CaseResult>& results, const char* label, const char* y_title,
                             double (*y)(const CaseResult&)) {
  std::map<std::string, render::ChartSeries> series;
  for (const auto& r : results) {
    if (r.ok == 0) continue;
    auto& s = series[series_name(r.c)];
    s.name = series_name(r.c);
    s.points.push_back({static_cast<double>(r.c.prompt_tokens), y(r)});
  }
  render::LineChart chart{label, "prompt length (tokens)", y_title, {}, false};
  for (auto& [name, s] : series) {
    std::sort(s.points.begin(), s.points.end(), [](auto& a, auto& b) { return a.x < b.x; });
    chart.series.push_back(std::move(s));
  }
  return chart;
}

render::LineChart latency_cdf(const std::vector<CaseRun>& runs) {
  std::map<int, std::vector<double>> e2e;  // by concurrency
  for (const auto& run : runs)
    for (const auto& s : run.samples)
      if (s.ok()) e2e[run.c.concurrency].push_back(s.ms_since_scheduled(s.end_ns));
  render::LineChart chart{"End-to-end latency CDF per concurrency", "request latency (ms, from its due time)",
                          "share of requests", {}, true};
  for (auto& [conc, xs] : e2e) {
    std::sort(xs.begin(), xs.end());
    render::ChartSeries s{conc > 0 ? fmt::format("conc {}", conc) : "no cap", {}};
    for (std::size_t i = 0; i < xs.size(); ++i) s.points.push_back({xs[i], static_cast<double>(i + 1) / static_cast<double>(xs.size())});
    chart.series.push_back(std::move(s));
  }
  return chart;
}

}  // namespace

std::vector<Plot> speed_plots(const std::vector<CaseResult>& results, const std::vector<CaseRun>& runs, bool simulated) {
  const render::PlotContext ctx{simulated};
  return {
      {"tokens-vs-context.svg",
       render::line_chart_svg(by_context(results, "Decode tokens/s per request against context length", "decode tokens/s (mean)",
                                         [](const CaseResult& r) { return r.decode_tps.mean; }),
                              ctx)},
      {"ttft-vs-context.svg",
       render::line_chart_svg(by_context(results, "Time to first token against context length", "TTFT (ms, mean)",
                                         [](const CaseResult& r) { return r.ttft_ms.mean; }),
                              ctx)},
      {"latency-cdf.svg", render::line_chart_svg(latency_cdf(runs), ctx)},
  };
}

}  // namespace agentrace::speed
