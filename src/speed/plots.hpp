#pragma once
// The speed run's plots as SVG text (render::line_chart_svg): decode tokens/s against
// context length, TTFT against context length, and the latency CDF per concurrency.
#include <string>
#include <utility>
#include <vector>

#include "speed/load.hpp"
#include "speed/metrics.hpp"

namespace agentrace::speed {

struct Plot {
  std::string file;  // tokens-vs-context.svg, ttft-vs-context.svg, latency-cdf.svg
  std::string svg;
};

std::vector<Plot> speed_plots(const std::vector<CaseResult>& results, const std::vector<CaseRun>& runs, bool simulated);

}  // namespace agentrace::speed
