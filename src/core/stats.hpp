#pragma once
// Descriptive statistics over raw samples; aggregates are computed at report time.
#include <optional>
#include <vector>

namespace agentrace::core {

double mean(const std::vector<double>& xs);                 // 0 for empty
double stddev(const std::vector<double>& xs);               // sample sd (n-1); 0 for n < 2
// Linear interpolation between closest ranks (type 7, as numpy and R default).
double quantile(std::vector<double> xs, double q);
double median(const std::vector<double>& xs);

struct Summary {
  std::size_t n = 0;
  double mean = 0, sd = 0, min = 0, p25 = 0, median = 0, p75 = 0, max = 0;
};
Summary summarize(const std::vector<double>& xs);

}  // namespace agentrace::core
