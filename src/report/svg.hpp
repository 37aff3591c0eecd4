#pragma once
// The report's plots as standalone SVG text: deterministic (fixed number formatting, no
// clock, no randomness), styled by an inline <style>, so golden files can pin them and
// the site can inline them. Every mark carries a <title> for hover details.
#include <string>
#include <vector>

#include "core/stats.hpp"
#include "report/summary.hpp"
#include "store/records.hpp"

namespace agentrace::report {

struct PlotContext {
  bool simulated = false;  // draws the "simulated endpoint" badge
};

// Quality vs speed: x = median wall-clock (log when it spans more than a decade), y = mean
// grade with its bootstrap 95% interval, IQR whiskers, the Pareto front as a step line,
// local / hosted by shape and colour. Each point is a <g class="point"> with
// data-contender, data-x (median wall, s) and data-y (mean grade).
std::string scatter_svg(const RaceSummary& rs, const PlotContext& ctx);

// Mean time split per contender as stacked horizontal bars (set-up, model, network, tools,
// scaffold); contenders without a recorded split show their median set-up + wall, unsplit.
std::string time_split_svg(const RaceSummary& rs, const PlotContext& ctx);

// Score vs wall-clock budget: per contender, the share of graded attempts that finished
// Solid or better within t, as a step curve.
std::string budget_svg(const RaceSummary& rs, const PlotContext& ctx);

// One attempt's model calls on a time line from its first call: call bars (darker until
// the first content), the gaps between calls (tools and scaffold) in between.
std::string timeline_svg(const std::vector<store::CallRow>& calls);

// A generic line chart (the speed plots): one line of markers per series, axes from
// time_scale (log when the values span more than a decade), steps for a CDF.
struct ChartSeries {
  std::string name;
  std::vector<core::Point> points;  // in x order
};
struct LineChart {
  std::string label;  // aria-label and title
  std::string x_title, y_title;
  std::vector<ChartSeries> series;
  bool steps = false;  // draw as a step function (an empirical CDF)
};
std::string line_chart_svg(const LineChart& chart, const PlotContext& ctx);

std::string xml_escape(const std::string& s);
std::string palette_colour(std::size_t i);

}  // namespace agentrace::report
