#include "speed/metrics.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/stats.hpp"

namespace agentrace::speed {

Dist distribution(const std::vector<double>& xs) {
  if (xs.empty()) return {};
  const core::Summary s = core::summarize(xs);
  return {s.n, s.mean, s.sd, s.median, core::quantile(xs, 0.90), core::quantile(xs, 0.99), s.max};
}

nlohmann::json to_json(const Dist& d) {
  auto r = [](double v) { return std::round(v * 1000) / 1000; };
  return {{"n", d.n}, {"mean", r(d.mean)}, {"sd", r(d.sd)}, {"median", r(d.median)},
          {"p90", r(d.p90)}, {"p99", r(d.p99)}, {"max", r(d.max)}};
}

Slo parse_slo(const std::string& text) {
  Slo slo;
  for (const std::string_view item_view : split_commas(text)) {
    const std::string item(item_view);
    const auto eq = item.find('=');
    const std::string key = item.substr(0, eq);
    if (eq == std::string::npos || (key != "ttft" && key != "tpot" && key != "e2e")) {
      throw core::UsageError(fmt::format("--slo: '{}' is not KEY=MS with KEY ttft, tpot or e2e (e.g. ttft=500,tpot=50)", item));
    }
    // A limit in ms, or with a unit: 500ms, 0.5s (not the sweep lists' k suffix).
    std::string value = item.substr(eq + 1);
    double scale = 1;
    if (value.ends_with("ms")) {
      value.resize(value.size() - 2);
    } else if (value.ends_with("s")) {
      value.pop_back();
      scale = 1000;
    }
    if (value.empty() || value.back() == 'k' || value.back() == 'K') {
      throw core::UsageError(fmt::format("--slo: '{}' is not a limit in ms (e.g. ttft=500, ttft=500ms or ttft=0.5s)", item));
    }
    const double v = parse_number_list(value, fmt::format("--slo {}", key), 0)[0] * scale;
    if (v <= 0) throw core::UsageError(fmt::format("--slo: '{}' must be above 0", item));
    (key == "ttft" ? slo.ttft_ms : key == "tpot" ? slo.tpot_ms : slo.e2e_ms) = v;
  }
  return slo;
}

namespace {

double ms_between(std::int64_t a, std::int64_t b) { return static_cast<double>(b - a) / 1e6; }

// TPOT in ms, when the request produced at least two tokens after its first content.
std::optional<double> tpot_ms(const Sample& s) {
  if (s.first_content_ns == 0 || s.output_tokens < 2) return std::nullopt;
  return ms_between(s.first_content_ns, s.end_ns) / static_cast<double>(s.output_tokens - 1);
}

struct Pools {
  std::vector<double> ttfb, ttfc, ttft, tpot, itl, e2e, queued, in, out, prompt, predicted, sim_lag, client_added, server_queue;
  std::size_t chunks = 0;
  std::int64_t tokens = 0;
};

void pool(Pools& p, const Sample& s) {
  auto since = [&](std::int64_t at) { return s.ms_since_scheduled(at); };
  p.queued.push_back(since(s.sent_ns));
  p.e2e.push_back(since(s.end_ns));
  if (s.first_byte_ns) p.ttfb.push_back(since(s.first_byte_ns));
  if (s.first_chunk_ns) p.ttfc.push_back(since(s.first_chunk_ns));
  if (s.first_content_ns) p.ttft.push_back(since(s.first_content_ns));
  if (auto t = tpot_ms(s)) p.tpot.push_back(*t);
  for (std::size_t i = 1; i < s.chunk_ns.size(); ++i) p.itl.push_back(ms_between(s.chunk_ns[i - 1], s.chunk_ns[i]));
  if (s.input_tokens) p.in.push_back(static_cast<double>(*s.input_tokens));
  p.out.push_back(static_cast<double>(s.output_tokens));
  if (s.server_prompt_ms) p.prompt.push_back(*s.server_prompt_ms);
  if (s.server_predicted_ms) p.predicted.push_back(*s.server_predicted_ms);
  if (s.sim_sent_ns && s.first_content_ns) p.sim_lag.push_back(ms_between(s.sim_sent_ns, s.first_content_ns));
  // The client notes its write when its loop gets to it, which may be after the sim had
  // the request: the write happened by then, so the split point is the earlier of the two.
  if (s.sim_received_ns && s.request_sent_ns && s.first_content_ns) {
    const std::int64_t written = std::min(s.request_sent_ns, s.sim_received_ns);
    p.client_added.push_back(ms_between(s.sent_ns, written) + ms_between(s.sim_sent_ns, s.first_content_ns));
    p.server_queue.push_back(ms_between(written, s.sim_received_ns));
  }
  p.chunks += s.chunk_ns.size();
  p.tokens += s.output_tokens;
}

std::optional<Dist> optional_dist(const std::vector<double>& xs) {
  if (xs.empty()) return std::nullopt;
  return distribution(xs);
}

}  // namespace

bool meets(const Slo& slo, const Sample& s) {
  if (!s.ok()) return false;
  const auto tpot = tpot_ms(s);
  if (slo.ttft_ms && (s.first_content_ns == 0 || s.ms_since_scheduled(s.first_content_ns) > *slo.ttft_ms)) return false;
  if (slo.tpot_ms && tpot && *tpot > *slo.tpot_ms) return false;
  return !slo.e2e_ms || s.ms_since_scheduled(s.end_ns) <= *slo.e2e_ms;
}

namespace {

// Requests, tokens and SLO-meeting requests of one repetition, for its rates.
struct RepTotals {
  double requests = 0, out = 0, total = 0, good = 0;
};

void add_to_rep(std::vector<RepTotals>& reps, const Sample& s, const Slo& slo) {
  if (s.rep < 0 || static_cast<std::size_t>(s.rep) >= reps.size()) return;
  auto& t = reps[static_cast<std::size_t>(s.rep)];
  t.requests += 1;
  t.out += static_cast<double>(s.output_tokens);
  t.total += static_cast<double>(s.output_tokens + s.input_tokens.value_or(0));
  t.good += meets(slo, s) ? 1 : 0;
}

void set_rates(CaseResult& r, const std::vector<RepTotals>& reps, const std::vector<std::int64_t>& rep_ns) {
  std::vector<double> rps, otps, ttps, good;
  for (std::size_t i = 0; i < reps.size(); ++i) {
    const double secs = static_cast<double>(rep_ns[i]) / 1e9;
    if (secs <= 0 || reps[i].requests == 0) continue;
    rps.push_back(reps[i].requests / secs);
    otps.push_back(reps[i].out / secs);
    ttps.push_back(reps[i].total / secs);
    good.push_back(reps[i].good / secs);
  }
  r.req_per_s = distribution(rps);
  r.output_tps = distribution(otps);
  r.total_tps = distribution(ttps);
  r.goodput_per_s = distribution(good);
}

void set_latencies(CaseResult& r, const Pools& p) {
  r.ttfb_ms = distribution(p.ttfb);
  r.ttfc_ms = distribution(p.ttfc);
  r.ttft_ms = distribution(p.ttft);
  r.tpot_ms = distribution(p.tpot);
  std::vector<double> decode;
  for (double t : p.tpot) decode.push_back(t > 0 ? 1000.0 / t : 0);
  r.decode_tps = distribution(decode);
  r.itl_chunk_ms = distribution(p.itl);
  r.tokens_per_chunk = p.chunks > 0 ? static_cast<double>(p.tokens) / static_cast<double>(p.chunks) : 0;
  std::vector<double> per_token;
  for (double gap : p.itl) per_token.push_back(r.tokens_per_chunk > 0 ? gap / r.tokens_per_chunk : gap);
  r.itl_token_ms = distribution(per_token);
  r.e2e_ms = distribution(p.e2e);
  r.queued_ms = distribution(p.queued);
  r.input_tokens = distribution(p.in);
  r.output_tokens = distribution(p.out);
  r.server_prompt_ms = optional_dist(p.prompt);
  r.server_predicted_ms = optional_dist(p.predicted);
  r.sim_lag_ms = optional_dist(p.sim_lag);
  r.client_added_ms = optional_dist(p.client_added);
  r.server_queue_ms = optional_dist(p.server_queue);
}

}  // namespace

CaseResult aggregate(const CaseRun& run, std::size_t index, const Slo& slo) {
  CaseResult r{.c = run.c, .index = index};
  Pools p;
  std::vector<RepTotals> reps(run.rep_ns.size());
  std::map<TokenSource, std::size_t> sources;
  for (const Sample& s : run.samples) {
    ++r.requests;
    if (!s.ok()) {
      ++r.errors[std::string(error_class_name(s.error))];
      if (r.first_error.empty()) r.first_error = s.error_detail;
      continue;
    }
    ++r.ok;
    pool(p, s);
    ++sources[s.token_source];
    add_to_rep(reps, s, slo);
  }
  set_latencies(r, p);
  set_rates(r, reps, run.rep_ns);
  r.token_source = sources.size() == 1 ? std::string(token_source_name(sources.begin()->first))
                   : sources.empty()   ? "-"
                                       : "mixed";
  return r;
}

}  // namespace agentrace::speed
