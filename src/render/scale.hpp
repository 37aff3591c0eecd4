#pragma once
// Axes for the plots and the budgets of the tables: linear or log scales with 1-2-5
// ticks, and short labels for durations. Pure functions, fixed formatting.
#include <string>
#include <vector>

namespace agentrace::render {

struct Scale {
  double lo = 0, hi = 1;        // domain
  double px_lo = 0, px_hi = 1;  // range in SVG units
  bool log = false;
  double operator()(double v) const;
  std::vector<double> ticks() const;
};

// Median wall-clock axis: log when the values span more than one decade, else linear
// from 0; the domain is widened to round values.
Scale time_scale(double min_value, double max_value, double px_lo, double px_hi);
Scale linear_scale(double lo, double hi, double px_lo, double px_hi);

// 1-2-5 values (coarser when the range is wide) from at or below lo to at or above hi.
std::vector<double> budget_grid(double lo, double hi);

// "0", "250 ms", "2 s", "1.5 s", "300 s", "1000 s", "30 min", "2 h".
std::string duration_label(double seconds);

}  // namespace agentrace::render
