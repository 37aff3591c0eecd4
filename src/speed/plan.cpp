#include "speed/plan.hpp"

#include <cmath>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/stats.hpp"

namespace agentrace::speed {

std::vector<Case> cross_product(const Sweep& s) {
  std::vector<Case> out;
  for (const auto p : s.prompt_tokens)
    for (const auto o : s.output_tokens) {
      if (s.concurrency.empty()) {
        for (const double r : s.rate) out.push_back(Case{p, o, r > 0 ? 0 : 1, r});
        continue;
      }
      for (const int c : s.concurrency)
        for (const double r : s.rate) out.push_back(Case{p, o, c, r});
    }
  return out;
}

std::vector<std::string_view> split_commas(std::string_view text) {
  std::vector<std::string_view> parts;
  while (true) {
    const auto comma = text.find(',');
    parts.push_back(text.substr(0, comma));
    if (comma == std::string_view::npos) return parts;
    text.remove_prefix(comma + 1);
  }
}

namespace {

double parse_one(std::string_view item, std::string_view flag, double min) {
  std::string s(item);
  double scale = 1;
  if (!s.empty() && (s.back() == 'k' || s.back() == 'K')) {
    scale = 1024;
    s.pop_back();
  }
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (s.empty() || used != s.size() || !std::isfinite(v)) {
    throw core::UsageError(fmt::format("{}: '{}' is not a number (expected a comma list such as 128,512)", flag, item));
  }
  v *= scale;
  if (v < min) throw core::UsageError(fmt::format("{}: {} is below the minimum {}", flag, item, min));
  return v;
}

}  // namespace

std::vector<double> parse_number_list(std::string_view text, std::string_view flag, double min) {
  std::vector<double> out;
  for (auto item : split_commas(text)) out.push_back(parse_one(item, flag, min));
  return out;
}

std::vector<std::int64_t> parse_int_list(std::string_view text, std::string_view flag, std::int64_t min) {
  std::vector<std::int64_t> out;
  for (auto item : split_commas(text)) {
    const double v = parse_one(item, flag, static_cast<double>(min));
    if (v != std::floor(v)) throw core::UsageError(fmt::format("{}: '{}' is not a whole number", flag, item));
    out.push_back(static_cast<std::int64_t>(v));
  }
  return out;
}

Arrival parse_arrival(std::string_view text) {
  if (text == "poisson") return {};
  if (text.starts_with("gamma:")) {
    const double k = parse_one(text.substr(6), "--arrival gamma:K", 0.01);
    return {ArrivalKind::gamma, k};
  }
  throw core::UsageError(fmt::format("--arrival: '{}' is neither poisson nor gamma:K (K the shape, e.g. gamma:0.5)", text));
}

std::string arrival_name(const Arrival& a) {
  return a.kind == ArrivalKind::poisson ? "poisson" : fmt::format("gamma:{}", a.shape);
}

namespace {

class Draws {
 public:
  explicit Draws(std::uint64_t seed) : gen_(seed) {}
  double uniform() {  // (0, 1)
    return (static_cast<double>(gen_.next() >> 11) + 0.5) * 0x1.0p-53;
  }
  double normal() {  // Box-Muller
    return std::sqrt(-2.0 * std::log(uniform())) * std::cos(2.0 * M_PI * uniform());
  }
  double exponential() { return -std::log(uniform()); }
  // Marsaglia-Tsang, mean k.
  double gamma(double k) {
    if (k < 1) return gamma(k + 1) * std::pow(uniform(), 1.0 / k);
    const double d = k - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
    while (true) {
      double x = 0, v = 0;
      do {
        x = normal();
        v = 1.0 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const double u = uniform();
      if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v;
    }
  }

 private:
  core::SplitMix64 gen_;
};

}  // namespace

std::vector<std::int64_t> arrival_offsets(double rate, const Arrival& arrival, std::size_t n, std::uint64_t seed) {
  Draws draws(seed);
  std::vector<std::int64_t> out;
  out.reserve(n);
  double at_s = 0;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(static_cast<std::int64_t>(std::llround(at_s * 1e9)));
    const double unit = arrival.kind == ArrivalKind::poisson ? draws.exponential() : draws.gamma(arrival.shape) / arrival.shape;
    at_s += unit / rate;
  }
  return out;
}

}  // namespace agentrace::speed
