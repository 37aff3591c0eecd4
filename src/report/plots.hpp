#pragma once
// The race report's plots as standalone SVG text, built from render/svg.hpp's blocks
// (deterministic, so golden files pin them). Every mark carries a <title> for hover details.
#include <string>
#include <vector>

#include "render/svg.hpp"
#include "report/summary.hpp"
#include "store/records.hpp"

namespace agentrace::report {

// Quality vs speed: x = median wall-clock (log when it spans more than a decade), y = mean
// grade with its bootstrap 95% interval, IQR whiskers, the Pareto front as a step line,
// local / hosted by shape and colour. Each point is a <g class="point"> with
// data-contender, data-x (median wall, s) and data-y (mean grade).
std::string scatter_svg(const RaceSummary& rs, const render::PlotContext& ctx);

// Mean time split per contender as stacked horizontal bars (set-up, model, network, tools,
// scaffold); contenders without a recorded split show their median set-up + wall, unsplit.
std::string time_split_svg(const RaceSummary& rs, const render::PlotContext& ctx);

// Score vs wall-clock budget: per contender, the share of graded attempts that finished
// Solid or better within t, as a step curve.
std::string budget_svg(const RaceSummary& rs, const render::PlotContext& ctx);

// One attempt's model calls on a time line from its first call: call bars (darker until
// the first content), the gaps between calls (tools and scaffold) in between.
std::string timeline_svg(const std::vector<store::CallRow>& calls);

}  // namespace agentrace::report
