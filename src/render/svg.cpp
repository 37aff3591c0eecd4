#include "render/svg.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace agentrace::render {
namespace {

const char* const kStyle =
    "<style>"
    "text{font:12px system-ui,sans-serif;fill:#222}.small{font-size:11px;fill:#555}"
    ".title{font-size:14px;font-weight:600}.grid{stroke:#e4e4e4}.axis{stroke:#555}"
    ".err{stroke:#333;stroke-width:1.5}.iqr{stroke:#999;stroke-width:1}"
    ".local{fill:#2a9d5c}.hosted{fill:#3b6fd8}.unknown{fill:#777}"
    ".front{fill:none;stroke:#e07b00;stroke-width:2;stroke-dasharray:6 4}"
    ".badge{fill:#b3261e}.badge-text{fill:#fff;font-weight:600}"
    ".curve{fill:none;stroke-width:2}.call{fill:#3b6fd8}.ttft{fill:#1d3f85}.gap{fill:#f3c98b}"
    "</style>";

}  // namespace

std::string n1(double v) { return fmt::format("{:.1f}", std::abs(v) < 0.05 ? 0.0 : v); }
std::string n4(double v) { return fmt::format("{:.4f}", v); }

std::string open_svg(double w, double h, const std::string& label) {
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {0} {1}\" width=\"{0}\" height=\"{1}\" "
      "role=\"img\" aria-label=\"{2}\">\n{3}\n<rect width=\"{0}\" height=\"{1}\" fill=\"#fff\"/>\n",
      n1(w), n1(h), xml_escape(label), kStyle);
}

std::string text(double x, double y, const std::string& s, const char* anchor, const char* cls) {
  return fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"{}\"{}>{}</text>\n", n1(x), n1(y), anchor,
                     *cls ? fmt::format(" class=\"{}\"", cls) : "", xml_escape(s));
}

std::string line(double x1, double y1, double x2, double y2, const char* cls) {
  return fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" class=\"{}\"/>\n", n1(x1), n1(y1), n1(x2), n1(y2),
                     cls);
}

std::string badge(double right, double y, const PlotContext& ctx) {
  if (!ctx.simulated) return "";
  const double w = 128;
  return fmt::format("<g class=\"simulated\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"20\" rx=\"4\" class=\"badge\"/>",
                     n1(right - w), n1(y - 14), n1(w)) +
         text(right - w / 2, y, "simulated endpoint", "middle", "badge-text") + "</g>\n";
}

std::string x_axis(const Scale& x, double top, double bottom, const std::string& title,
                   const std::function<std::string(double)>& label) {
  std::string out;
  for (double t : x.ticks()) {
    out += line(x(t), top, x(t), bottom, "grid");
    out += text(x(t), bottom + 16, label(t), "middle", "small");
  }
  out += line(x.px_lo, bottom, x.px_hi, bottom, "axis");
  if (!title.empty()) out += text((x.px_lo + x.px_hi) / 2, bottom + 38, title, "middle");
  return out;
}

std::string y_axis(const Scale& y, double left, double right, const std::string& title,
                   const std::function<std::string(double)>& label) {
  std::string out;
  for (double t : y.ticks()) {
    out += line(left, y(t), right, y(t), "grid");
    out += text(left - 6, y(t) + 4, label(t), "end", "small");
  }
  out += line(left, y.px_lo, left, y.px_hi, "axis");
  out += fmt::format("<text transform=\"translate({},{}) rotate(-90)\" text-anchor=\"middle\">{}</text>\n",
                     n1(left - 52), n1((y.px_lo + y.px_hi) / 2), xml_escape(title));
  return out;
}

std::string xml_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += ch;
    }
  }
  return out;
}

std::string palette_colour(std::size_t i) {
  static const char* const kColours[] = {"#3b6fd8", "#2a9d5c", "#e07b00", "#b3261e", "#7b4fc4",
                                         "#00838f", "#c2185b", "#5d6d1e", "#6d4c41", "#455a64"};
  return kColours[i % std::size(kColours)];
}

std::string line_chart_svg(const LineChart& chart, const PlotContext& ctx) {
  const double w = 760, h = 420, left = 80, right = w - 190, top = 50, bottom = h - 64;
  double x_lo = 0, x_hi = 0, y_hi = 0;
  bool first = true;
  for (const auto& s : chart.series)
    for (const auto& p : s.points) {
      x_lo = first ? p.x : std::min(x_lo, p.x);
      x_hi = std::max(x_hi, p.x);
      y_hi = std::max(y_hi, p.y);
      first = false;
    }
  const Scale x = time_scale(x_lo > 0 ? x_lo : 1, x_hi > 0 ? x_hi : 1, left, right);
  const Scale y = time_scale(y_hi > 0 ? y_hi : 1, y_hi > 0 ? y_hi : 1, bottom, top);  // linear from 0
  auto label = [](double t) { return fmt::format("{:g}", t); };
  std::string out = open_svg(w, h, chart.label);
  out += text(left, 24, chart.label, "start", "title") + badge(w - 10, 24, ctx);
  out += x_axis(x, top, bottom, chart.x_title + (x.log ? " (log scale)" : ""), label);
  out += y_axis(y, left, right, chart.y_title, label);
  double legend_y = top + 4;
  for (std::size_t i = 0; i < chart.series.size(); ++i) {
    const auto& s = chart.series[i];
    const auto colour = palette_colour(i);
    std::string d;
    for (const auto& p : s.points) {
      if (d.empty()) {
        d = fmt::format("M{} {}", n1(x(p.x)), n1(y(chart.steps ? 0 : p.y)));
        if (!chart.steps) continue;
      }
      d += chart.steps ? fmt::format("H{}V{}", n1(x(p.x)), n1(y(p.y))) : fmt::format("L{} {}", n1(x(p.x)), n1(y(p.y)));
    }
    out += fmt::format("<path d=\"{}\" class=\"curve\" stroke=\"{}\" data-series=\"{}\"/>\n", d, colour, xml_escape(s.name));
    if (!chart.steps) {
      for (const auto& p : s.points)
        out += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"3.5\" fill=\"{}\"><title>{}: {:g}, {:g}</title></circle>\n",
                           n1(x(p.x)), n1(y(p.y)), colour, xml_escape(s.name), p.x, p.y);
    }
    out += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"3\"/>\n", n1(right + 16),
                       n1(legend_y - 4), n1(right + 40), n1(legend_y - 4), colour);
    out += text(right + 46, legend_y, s.name);
    legend_y += 18;
  }
  return out + "</svg>\n";
}

}  // namespace agentrace::render
