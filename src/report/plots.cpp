#include "report/plots.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

#include <fmt/format.h>

#include "render/scale.hpp"
#include "render/svg.hpp"

namespace agentrace::report {
namespace {

using render::badge;
using render::duration_label;
using render::line;
using render::linear_scale;
using render::n1;
using render::n4;
using render::open_svg;
using render::palette_colour;
using render::Scale;
using render::text;
using render::time_scale;
using render::x_axis;
using render::xml_escape;
using render::y_axis;

std::string marker(HostKind kind, double x, double y) {
  const auto cls = to_string(kind);
  if (kind == HostKind::local)
    return fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"6\" class=\"{}\"/>", n1(x), n1(y), cls);
  if (kind == HostKind::hosted)
    return fmt::format("<rect x=\"{}\" y=\"{}\" width=\"11\" height=\"11\" class=\"{}\"/>", n1(x - 5.5), n1(y - 5.5), cls);
  return fmt::format("<path d=\"M{} {}L{} {}L{} {}L{} {}Z\" class=\"{}\"/>", n1(x), n1(y - 7), n1(x + 7), n1(y), n1(x),
                     n1(y + 7), n1(x - 7), n1(y), cls);
}

std::string point_title(const ContenderSummary& c) {
  return fmt::format(
      "{} ({}{}{})\nmean grade {:.2f} [95% CI {:.2f} – {:.2f}], n = {}\nmedian wall {} [IQR {} – {}]{}", c.name,
      c.scaffold, c.model.empty() ? "" : ", ", c.model, c.mean_grade, c.grade_ci.lo, c.grade_ci.hi, c.graded,
      duration_label(c.wall_median), duration_label(c.wall_p25), duration_label(c.wall_p75),
      c.on_front ? "\non the Pareto front" : "");
}

// Point labels already placed, as boxes; a new label tries a few spots until it overlaps none.
struct Box {
  double x0, y0, x1, y1;
  bool overlaps(const Box& o) const { return x0 < o.x1 && o.x0 < x1 && y0 < o.y1 && o.y0 < y1; }
};
using Labels = std::vector<Box>;

double place_label(Labels& placed, double px, double py, double width, bool left) {
  for (double dy : {-8.0, 18.0, -22.0, 32.0, -36.0, 46.0}) {
    const Box b{left ? px - 10 - width : px + 10, py + dy - 11, left ? px - 10 : px + 10 + width, py + dy + 3};
    if (std::none_of(placed.begin(), placed.end(), [&](const Box& o) { return o.overlaps(b); })) {
      placed.push_back(b);
      return py + dy;
    }
  }
  return py - 8;
}

std::string scatter_point(const ContenderSummary& c, const Scale& x, const Scale& y, Labels& labels) {
  const double px = x(c.wall_median), py = y(c.mean_grade);
  const double width = 7.0 * static_cast<double>(c.name.size());
  const bool left = px + 10 + width > x.px_hi;
  std::string out = fmt::format(
      "<g class=\"point\" data-contender=\"{}\" data-x=\"{}\" data-y=\"{}\" data-ci-lo=\"{}\" data-ci-hi=\"{}\" "
      "data-kind=\"{}\">\n<title>{}</title>\n",
      xml_escape(c.name), n4(c.wall_median), n4(c.mean_grade), n4(c.grade_ci.lo), n4(c.grade_ci.hi),
      to_string(c.kind), xml_escape(point_title(c)));
  out += line(x(c.wall_p25), py, x(c.wall_p75), py, "iqr");
  out += line(px, y(c.grade_ci.lo), px, y(c.grade_ci.hi), "err");
  out += line(px - 4, y(c.grade_ci.lo), px + 4, y(c.grade_ci.lo), "err");
  out += line(px - 4, y(c.grade_ci.hi), px + 4, y(c.grade_ci.hi), "err");
  out += marker(c.kind, px, py) + "\n";
  out += text(left ? px - 10 : px + 10, place_label(labels, px, py, width, left), c.name, left ? "end" : "start");
  return out + "</g>\n";
}

// The front as a staircase: best grade reachable at each median wall-clock.
std::string front_path(const RaceSummary& rs, const Scale& x, const Scale& y) {
  std::string d;
  for (const auto& name : rs.front) {
    const auto it = std::find_if(rs.contenders.begin(), rs.contenders.end(), [&](const auto& c) { return c.name == name; });
    d += d.empty() ? fmt::format("M{} {}", n1(x(it->wall_median)), n1(y(it->mean_grade)))
                   : fmt::format("H{}V{}", n1(x(it->wall_median)), n1(y(it->mean_grade)));
  }
  if (rs.front.size() < 2) return "";
  return fmt::format("<path d=\"{}\" class=\"front\"><title>Pareto front: {} contender(s) no other beats on both "
                     "grade and speed</title></path>\n",
                     d, rs.front.size());
}

std::string scatter_legend(const RaceSummary& rs, double x, double y) {
  std::string out;
  for (HostKind k : {HostKind::local, HostKind::hosted, HostKind::unknown}) {
    if (std::none_of(rs.contenders.begin(), rs.contenders.end(), [&](const auto& c) { return c.graded && c.kind == k; }))
      continue;
    const std::string name = k == HostKind::unknown ? "not labelled" : to_string(k);
    out += marker(k, x + 6, y - 4) + text(x + 16, y, name);
    x += 36 + 7.0 * static_cast<double>(name.size());
  }
  out += line(x, y - 4, x + 24, y - 4, "front") + text(x + 30, y, "Pareto front");
  x += 120;
  out += line(x + 6, y - 12, x + 6, y + 4, "err") + text(x + 14, y, "95% CI");
  return out;
}

std::pair<double, double> wall_range(const RaceSummary& rs) {
  double lo = 0, hi = 0;
  bool any = false;
  for (const auto& c : rs.contenders) {
    if (!c.graded) continue;
    lo = any ? std::min(lo, c.wall_p25) : c.wall_p25;
    hi = any ? std::max(hi, c.wall_p75) : c.wall_p75;
    any = true;
  }
  return {lo, any ? hi : 1.0};
}

std::string percent(double share) { return fmt::format("{:.0f}%", share * 100); }

struct Segment {
  const char* name;
  const char* colour;
  double seconds;
};

std::vector<Segment> segments(const ContenderSummary& c) {
  if (!c.split) return {{"set-up (median)", "#b9b9b9", c.setup_median}, {"wall (median, not split)", "#d6d6d6", c.wall_median}};
  const auto& s = *c.split;
  return {{"set-up", "#b9b9b9", s.setup_s},
          {"model (excl. network)", "#3b6fd8", std::max(0.0, s.model_s - s.network_s)},
          {"network", "#8fb0ef", s.network_s},
          {"tools", "#e09b3d", s.tool_s},
          {"scaffold", "#9b6bd0", s.scaffold_s}};
}

std::string split_row(const ContenderSummary& c, const Scale& x, double y) {
  std::string out = fmt::format("<g class=\"bar\" data-contender=\"{}\">\n", xml_escape(c.name));
  out += text(x.px_lo - 8, y + 14, c.name, "end");
  double at = 0, total = 0;
  for (const auto& s : segments(c)) total += s.seconds;
  for (const auto& s : segments(c)) {
    if (s.seconds <= 0) continue;
    out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"18\" fill=\"{}\"><title>{}: {} {} ({})</title></rect>\n",
                       n1(x(at)), n1(y), n1(x(at + s.seconds) - x(at)), s.colour, xml_escape(c.name), s.name,
                       duration_label(s.seconds), percent(total > 0 ? s.seconds / total : 0));
    at += s.seconds;
  }
  out += text(x(at) + 6, y + 14, c.split ? duration_label(total) : duration_label(total) + " (not split)", "start", "small");
  return out + "</g>\n";
}

std::string split_legend(double x, double y) {
  std::string out;
  for (const auto& s : segments(ContenderSummary{.split = TimeSplitMeans{}})) {
    out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/>", n1(x), n1(y - 10), s.colour);
    out += text(x + 16, y, s.name);
    x += 30 + 7.0 * static_cast<double>(std::string(s.name).size());
  }
  return out + "\n";
}

std::string curve_path(const ContenderSummary& c, const Scale& x, const Scale& y) {
  std::string d = fmt::format("M{} {}", n1(x.px_lo), n1(y(0)));
  // Steps outside the axis (a reference's few ms under an axis set by the agents) sit on its edges.
  for (const auto& s : c.budget_curve)
    d += fmt::format("H{}V{}", n1(std::clamp(x(s.t), x.px_lo, x.px_hi)), n1(y(s.share)));
  return d + fmt::format("H{}", n1(x.px_hi));
}

}  // namespace

std::string scatter_svg(const RaceSummary& rs, const render::PlotContext& ctx) {
  const double w = 760, h = 470, left = 80, right = w - 30, top = 50, bottom = h - 64;
  const auto [lo, hi] = wall_range(rs);
  const Scale x = time_scale(lo, hi, left, right);
  const Scale y = linear_scale(0, 3, bottom, top + 14);  // headroom for labels of Complete points
  std::string out = open_svg(w, h, "Quality vs speed: mean grade against median wall-clock per contender");
  out += scatter_legend(rs, left, 24) + badge(right, 24, ctx);
  out += x_axis(x, top, bottom, x.log ? "median wall-clock per attempt (log scale)" : "median wall-clock per attempt",
                [](double t) { return duration_label(t); });
  static const char* const kNames[] = {"0 Miss", "1 Basic", "2 Solid", "3 Complete"};
  out += y_axis(y, left, right, "mean grade", [](double t) { return std::string(kNames[static_cast<int>(t)]); });
  out += front_path(rs, x, y);
  Labels labels;
  for (const auto& c : rs.contenders)
    if (c.graded) out += scatter_point(c, x, y, labels);
  return out + "</svg>\n";
}

std::string time_split_svg(const RaceSummary& rs, const render::PlotContext& ctx) {
  const double w = 760, left = 170, right = w - 90, top = 50, row = 28;
  const double bottom = top + row * static_cast<double>(rs.contenders.size()) + 4, h = bottom + 50;
  double most = 0;
  for (const auto& c : rs.contenders) {
    double total = 0;
    for (const auto& s : segments(c)) total += s.seconds;
    most = std::max(most, total);
  }
  const Scale linear = time_scale(most > 0 ? most : 1, most > 0 ? most : 1, left, right);  // linear from 0
  std::string out = open_svg(w, h, "Where the time went: mean time split per contender");
  out += split_legend(left - 150, 24) + badge(w - 10, 24, ctx);
  out += x_axis(linear, top - 6, bottom, "seconds per attempt (mean)", [](double t) { return duration_label(t); });
  double y = top;
  for (const auto& c : rs.contenders) {
    out += split_row(c, linear, y);
    y += row;
  }
  return out + "</svg>\n";
}

std::string budget_svg(const RaceSummary& rs, const render::PlotContext& ctx) {
  const double w = 760, h = 400, left = 80, right = w - 190, top = 50, bottom = h - 64;
  const double lo = rs.budgets.empty() ? 0.1 : rs.budgets.front(), hi = rs.budgets.empty() ? 1 : rs.budgets.back();
  const Scale x = time_scale(lo, hi, left, right);
  const Scale y = linear_scale(0, 1, bottom, top);
  std::string out = open_svg(w, h, "Score vs wall-clock budget: share of attempts Solid or better within t");
  out += badge(w - 10, 24, ctx);
  out += x_axis(x, top, bottom, x.log ? "wall-clock budget per attempt (log scale)" : "wall-clock budget per attempt",
                [](double t) { return duration_label(t); });
  out += y_axis(y, left, right, "Solid or better within budget", [](double t) { return percent(t); });
  double legend_y = top + 4;
  for (std::size_t i = 0; i < rs.contenders.size(); ++i) {
    const auto& c = rs.contenders[i];
    if (!c.graded) continue;
    const auto colour = palette_colour(i);
    out += fmt::format("<path d=\"{}\" class=\"curve\" stroke=\"{}\" data-contender=\"{}\"><title>{}: {} of {} graded "
                       "attempts Solid or better</title></path>\n",
                       curve_path(c, x, y), colour, xml_escape(c.name), xml_escape(c.name), c.budget_curve.size(),
                       c.graded);
    out += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"3\"/>\n", n1(right + 16),
                       n1(legend_y - 4), n1(right + 40), n1(legend_y - 4), colour);
    out += text(right + 46, legend_y, c.name);
    legend_y += 18;
  }
  return out + "</svg>\n";
}

std::string timeline_svg(const std::vector<store::CallRow>& calls) {
  if (calls.empty()) return "";
  const double w = 760, h = 92, left = 20, right = w - 20, top = 16, bar = 22;
  const auto t0 = std::min_element(calls.begin(), calls.end(), [](const auto& a, const auto& b) {
                    return a.start_mono_ns < b.start_mono_ns;
                  })->start_mono_ns;
  auto start_s = [&](const store::CallRow& c) { return static_cast<double>(c.start_mono_ns - t0) / 1e9; };
  double span = 0;
  for (const auto& c : calls) span = std::max(span, start_s(c) + std::max(0.0, c.end_ms) / 1000);
  const Scale x = linear_scale(0, span > 0 ? span : 1, left, right);
  std::string out = open_svg(w, h, "Model calls of this attempt on a time line");
  out += x_axis(x, top, top + bar + 8, "", [](double t) { return duration_label(t); });
  double prev_end = -1;
  for (const auto& c : calls) {
    const double s = start_s(c), e = s + std::max(0.0, c.end_ms) / 1000;
    if (prev_end >= 0 && s > prev_end)
      out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" class=\"gap\"><title>gap {} (tools and "
                         "scaffold)</title></rect>\n",
                         n1(x(prev_end)), n1(top), n1(x(s) - x(prev_end)), n1(bar), duration_label(s - prev_end));
    const double ttft = c.first_content_ms >= 0 ? s + c.first_content_ms / 1000 : s;
    out += fmt::format("<g class=\"call\"><title>call {}: {} {}, first content {}, status {}</title>"
                       "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" class=\"call\"/>"
                       "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" class=\"ttft\"/></g>\n",
                       c.sequence, c.model, duration_label(e - s),
                       c.first_content_ms >= 0 ? duration_label(c.first_content_ms / 1000) : "-", c.status, n1(x(s)),
                       n1(top), n1(std::max(1.0, x(e) - x(s))), n1(bar), n1(x(s)), n1(top), n1(x(ttft) - x(s)), n1(bar));
    prev_end = std::max(prev_end, e);
  }
  return out + "</svg>\n";
}

}  // namespace agentrace::report
