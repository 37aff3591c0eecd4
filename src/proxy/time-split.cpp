#include "proxy/time-split.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace agentrace::proxy {
namespace {

struct Span {
  std::int64_t a, b;  // [a, b)
};
using Spans = std::vector<Span>;

std::int64_t ns_of(double ms) { return static_cast<std::int64_t>(std::llround(ms * 1e6)); }

// Clipped to [lo, hi), sorted, overlaps merged.
Spans normalize(Spans s, std::int64_t lo, std::int64_t hi) {
  for (auto& x : s) {
    x.a = std::clamp(x.a, lo, hi);
    x.b = std::clamp(x.b, lo, hi);
  }
  std::erase_if(s, [](const Span& x) { return x.b <= x.a; });
  std::sort(s.begin(), s.end(), [](const Span& x, const Span& y) { return x.a < y.a; });
  Spans out;
  for (const auto& x : s) {
    if (!out.empty() && x.a <= out.back().b) {
      out.back().b = std::max(out.back().b, x.b);
    } else {
      out.push_back(x);
    }
  }
  return out;
}

std::int64_t length(const Spans& s) {
  std::int64_t n = 0;
  for (const auto& x : s) n += x.b - x.a;
  return n;
}

// Length of `s` not covered by `cover` (both normalized).
std::int64_t length_outside(const Spans& s, const Spans& cover) {
  std::int64_t n = 0;
  for (const auto& x : s) {
    std::int64_t covered = 0;
    for (const auto& c : cover) covered += std::max<std::int64_t>(0, std::min(x.b, c.b) - std::max(x.a, c.a));
    n += (x.b - x.a) - covered;
  }
  return n;
}

std::int64_t call_end(const CallRecord& c) {
  const double end = c.end_ms >= 0 ? c.end_ms : std::max(c.last_byte_ms, 0.0);
  return c.start_mono_ns + ns_of(end);
}

// From the end of a response with tool calls to the next request returning any of them.
Spans tool_gaps(std::vector<const CallRecord*> calls) {
  std::sort(calls.begin(), calls.end(), [](auto* x, auto* y) { return x->start_mono_ns < y->start_mono_ns; });
  Spans gaps;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    if (calls[i]->tool_call_ids.empty()) continue;
    const std::unordered_set<std::string> ids(calls[i]->tool_call_ids.begin(), calls[i]->tool_call_ids.end());
    const auto end = call_end(*calls[i]);
    for (std::size_t j = i + 1; j < calls.size(); ++j) {
      const auto& results = calls[j]->tool_result_ids;
      if (calls[j]->start_mono_ns < end) continue;
      if (std::any_of(results.begin(), results.end(), [&](const auto& id) { return ids.contains(id); })) {
        gaps.push_back({end, calls[j]->start_mono_ns});
        break;
      }
    }
  }
  return gaps;
}

std::int64_t network_estimate(const CallRecord& c) {
  double ms = std::max(c.connect_ms, 0.0) + std::max(c.tls_ms, 0.0);
  if ((c.server_prompt_ms || c.server_predicted_ms) && c.request_sent_ms >= 0 && c.last_byte_ms >= 0) {
    const double seen = c.last_byte_ms - c.request_sent_ms;
    ms += std::max(0.0, seen - c.server_prompt_ms.value_or(0) - c.server_predicted_ms.value_or(0));
  }
  return ns_of(ms);
}

}  // namespace

TimeSplit split_time(std::int64_t start_ns, std::int64_t end_ns, const std::vector<CallRecord>& calls,
                     const std::vector<ToolSpan>& tool_spans) {
  TimeSplit t;
  t.wall_ns = std::max<std::int64_t>(0, end_ns - start_ns);
  Spans model;
  std::vector<const CallRecord*> ptrs;
  for (const auto& c : calls) {
    model.push_back({c.start_mono_ns, call_end(c)});
    ptrs.push_back(&c);
    t.network_ns += network_estimate(c);
    if (c.server_prompt_ms || c.server_predicted_ms) ++t.server_timed_calls;
  }
  model = normalize(std::move(model), start_ns, end_ns);
  t.calls = calls.size();
  t.model_ns = length(model);
  if (!model.empty()) {
    t.before_first_call_ns = model.front().a - start_ns;
    t.after_last_call_ns = end_ns - model.back().b;
  }
  t.network_ns = std::min(t.network_ns, t.model_ns);

  Spans tools;
  if (!tool_spans.empty()) {
    t.tools_from_agent = true;
    for (const auto& s : tool_spans) tools.push_back({s.start_ns, s.end_ns});
  } else {
    tools = tool_gaps(std::move(ptrs));
    t.tool_gaps = tools.size();
  }
  tools = normalize(std::move(tools), start_ns, end_ns);
  t.tool_ns = length_outside(tools, model);
  t.scaffold_ns = t.wall_ns - t.model_ns - t.tool_ns;
  return t;
}

}  // namespace agentrace::proxy
