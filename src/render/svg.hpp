#pragma once
// SVG building blocks shared by the race report's plots and the speed plots:
// deterministic text (fixed number formatting, no clock, no randomness), styled by one
// inline <style>, so golden files can pin them and the site can inline them.
#include <functional>
#include <string>
#include <vector>

#include "core/stats.hpp"
#include "render/scale.hpp"

namespace agentrace::render {

struct PlotContext {
  bool simulated = false;  // draws the "simulated endpoint" badge
};

// Numbers with one and four decimals; n1 never prints "-0.0".
std::string n1(double v);
std::string n4(double v);

// The <svg> opening with its style and a white background; close with "</svg>\n".
std::string open_svg(double w, double h, const std::string& label);
std::string text(double x, double y, const std::string& s, const char* anchor = "start", const char* cls = "");
std::string line(double x1, double y1, double x2, double y2, const char* cls);
// The "simulated endpoint" badge, right-aligned at `right`; "" unless ctx.simulated.
std::string badge(double right, double y, const PlotContext& ctx);
// Ticks, grid lines and the axis title below a horizontal axis / left of a vertical one.
std::string x_axis(const Scale& x, double top, double bottom, const std::string& title,
                   const std::function<std::string(double)>& label);
std::string y_axis(const Scale& y, double left, double right, const std::string& title,
                   const std::function<std::string(double)>& label);

std::string xml_escape(const std::string& s);
std::string palette_colour(std::size_t i);

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

}  // namespace agentrace::render
