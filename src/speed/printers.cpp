#include "speed/printers.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "render/table.hpp"

namespace agentrace::speed {

namespace {

using Col = render::Column<CaseResult>;
using Json = nlohmann::json;

std::string num(double v) {
  const double a = std::abs(v);
  return a >= 100 ? fmt::format("{:.0f}", v) : a >= 10 ? fmt::format("{:.1f}", v) : fmt::format("{:.2f}", v);
}

Json rounded(double v) { return std::round(v * 1000) / 1000; }

std::string mean_sd(const Dist& d) {
  if (d.n == 0) return "-";
  return d.n > 1 ? fmt::format("{} ± {}", num(d.mean), num(d.sd)) : num(d.mean);
}

std::string rate_text(double rate) { return rate > 0 ? num(rate) + "/s" : "closed loop"; }
std::string concurrency_text(const Case& c) { return c.concurrency > 0 ? std::to_string(c.concurrency) : "-"; }

std::vector<Col> sweep_columns() {
  return {
      {"prompt_tokens", "prompt", [](const CaseResult& r) { return Json(r.c.prompt_tokens); },
       [](const CaseResult& r) { return std::to_string(r.c.prompt_tokens); }},
      {"output_tokens", "output", [](const CaseResult& r) { return Json(r.c.output_tokens); },
       [](const CaseResult& r) { return std::to_string(r.c.output_tokens); }},
      {"concurrency", "conc", [](const CaseResult& r) { return Json(r.c.concurrency); },
       [](const CaseResult& r) { return concurrency_text(r.c); }},
      {"rate", "rate", [](const CaseResult& r) { return Json(r.c.rate); },
       [](const CaseResult& r) { return rate_text(r.c.rate); }},
  };
}

// One figure's distribution as columns name_mean, name_sd, ...; the markdown headers
// given go on the mean (shown as mean ± sd), the median and the p99.
struct DistSpec {
  std::string name;
  Dist CaseResult::*member;
  std::string mean_header, median_header, p99_header;
};

void add_dist(std::vector<Col>& cols, const DistSpec& spec) {
  auto m = spec.member;
  auto field = [&](const char* suffix, double Dist::*f, std::string header, bool mean) {
    Col c{spec.name + "_" + suffix, std::move(header),
          [m, f](const CaseResult& r) { return (r.*m).n ? rounded((r.*m).*f) : Json(nullptr); }, nullptr};
    if (!c.header.empty()) {
      c.text = mean ? std::function<std::string(const CaseResult&)>([m](const CaseResult& r) { return mean_sd(r.*m); })
                    : [m, f](const CaseResult& r) { return (r.*m).n ? num((r.*m).*f) : "-"; };
    }
    cols.push_back(std::move(c));
  };
  field("mean", &Dist::mean, spec.mean_header, true);
  field("sd", &Dist::sd, "", false);
  field("median", &Dist::median, spec.median_header, false);
  field("p90", &Dist::p90, "", false);
  field("p99", &Dist::p99, spec.p99_header, false);
  field("max", &Dist::max, "", false);
}

void add_optional(std::vector<Col>& cols, const std::string& name, std::optional<Dist> CaseResult::*member) {
  for (auto [suffix, f] : {std::pair{"mean", &Dist::mean}, std::pair{"median", &Dist::median}, std::pair{"p99", &Dist::p99}}) {
    cols.push_back(Col{name + "_" + suffix, "",
                       [member, f](const CaseResult& r) { return r.*member ? rounded(*(r.*member).*f) : Json(nullptr); },
                       nullptr});
  }
}

std::string errors_text(const CaseResult& r) {
  std::string out;
  for (const auto& [cls, n] : r.errors) out += fmt::format("{}{} {}", out.empty() ? "" : ", ", n, cls);
  return out.empty() ? "-" : out;
}

Json errors_json(const CaseResult& r) {
  Json j = Json::object();
  for (const auto& [cls, n] : r.errors) j[cls] = n;
  return j;
}

bool constant(const Col& c, const std::vector<CaseResult>& rows) {
  return std::all_of(rows.begin(), rows.end(), [&](const auto& r) { return c.text(r) == c.text(rows.front()); });
}

bool empty(const Col& c, const std::vector<CaseResult>& rows) {
  return std::all_of(rows.begin(), rows.end(), [&](const auto& r) { return c.text(r) == "-"; });
}

bool is_sweep(const Col& c) {
  return c.name == "prompt_tokens" || c.name == "output_tokens" || c.name == "concurrency" || c.name == "rate";
}

std::string footer(const RunInfo& run, const std::vector<CaseResult>& cases) {
  std::string sources;
  for (const auto& c : cases)
    if (c.token_source != "-" && sources.find(c.token_source) == std::string::npos) sources += (sources.empty() ? "" : "/") + c.token_source;
  const Dist lag = distribution(run.self.lag_ms);
  std::string out = fmt::format("endpoint {} ({}, model {}{}){}{} · agentrace {} · {} · output tokens from {} · "
                                "client CPU {:.0f}% of a core, loop lag p99 {:.2f} ms · run {}\n",
                                run.endpoint, run.protocol, run.model.empty() ? "-" : run.model,
                                run.stream ? ", streaming" : ", not streaming",
                                run.simulated ? " · SIMULATED endpoint" : "",
                                run.server.empty() ? "" : " · server " + run.server, run.agentrace, run.started_at,
                                sources.empty() ? "-" : sources, run.self.cpu_share() * 100, lag.p99, run.id);
  if (!run.aborted.empty()) out += "\nRUN STOPPED EARLY: " + run.aborted + "\n";
  return out;
}

}  // namespace

std::vector<Col> case_columns(bool with_slo) {
  std::vector<Col> cols = sweep_columns();
  cols.push_back({"requests", "", [](const CaseResult& r) { return Json(r.requests); }, nullptr});
  cols.push_back({"ok", "ok/n", [](const CaseResult& r) { return Json(r.ok); },
                  [](const CaseResult& r) { return fmt::format("{}/{}", r.ok, r.requests); }});
  cols.push_back({"errors", "errors", errors_json, errors_text, false});
  cols.push_back({"first_error", "", [](const CaseResult& r) { return Json(r.first_error); }, nullptr});
  add_dist(cols, {"ttft_ms", &CaseResult::ttft_ms, "TTFT ms", "", "TTFT p99"});
  add_dist(cols, {"tpot_ms", &CaseResult::tpot_ms, "TPOT ms", "", ""});
  add_dist(cols, {"itl_chunk_ms", &CaseResult::itl_chunk_ms, "", "ITL ms/chunk", ""});
  add_dist(cols, {"itl_token_ms", &CaseResult::itl_token_ms, "", "ITL ms/tok", ""});
  cols.push_back({"tokens_per_chunk", "tok/chunk", [](const CaseResult& r) { return rounded(r.tokens_per_chunk); },
                  [](const CaseResult& r) { return r.ok ? num(r.tokens_per_chunk) : "-"; }});
  add_dist(cols, {"decode_tps", &CaseResult::decode_tps, "decode t/s", "", ""});
  add_dist(cols, {"e2e_ms", &CaseResult::e2e_ms, "", "E2E ms p50", "E2E p99"});
  add_dist(cols, {"output_tps", &CaseResult::output_tps, "out t/s", "", ""});
  add_dist(cols, {"total_tps", &CaseResult::total_tps, "", "", ""});
  add_dist(cols, {"req_per_s", &CaseResult::req_per_s, "req/s", "", ""});
  if (with_slo) add_dist(cols, {"goodput_per_s", &CaseResult::goodput_per_s, "goodput/s", "", ""});
  add_dist(cols, {"ttfb_ms", &CaseResult::ttfb_ms, "", "", ""});
  add_dist(cols, {"ttfc_ms", &CaseResult::ttfc_ms, "", "", ""});
  add_dist(cols, {"queued_ms", &CaseResult::queued_ms, "", "", ""});
  add_dist(cols, {"input_tokens", &CaseResult::input_tokens, "", "", ""});
  add_dist(cols, {"output_tokens_measured", &CaseResult::output_tokens, "", "", ""});
  cols.push_back({"token_source", "", [](const CaseResult& r) { return Json(r.token_source); }, nullptr});
  add_optional(cols, "server_prompt_ms", &CaseResult::server_prompt_ms);
  add_optional(cols, "server_predicted_ms", &CaseResult::server_predicted_ms);
  add_optional(cols, "sim_lag_ms", &CaseResult::sim_lag_ms);
  add_optional(cols, "client_added_ms", &CaseResult::client_added_ms);
  add_optional(cols, "server_queue_ms", &CaseResult::server_queue_ms);
  return cols;
}

std::string markdown(const RunInfo& run, const std::vector<CaseResult>& cases) {
  auto cols = render::for_markdown(case_columns(run.slo));
  std::string constants;
  if (!cases.empty()) {
    std::erase_if(cols, [&](const Col& c) {
      if (is_sweep(c) && cases.size() > 1 && constant(c, cases)) {
        constants += fmt::format("{}{} {}", constants.empty() ? "" : " · ", c.header, c.text(cases.front()));
        return true;
      }
      return !is_sweep(c) && empty(c, cases);
    });
  }
  std::string out;
  if (!constants.empty()) out += constants + "\n\n";
  out += render::markdown_table(cols, cases);
  return out + "\n" + footer(run, cases);
}

std::string csv(const RunInfo&, const std::vector<CaseResult>& cases) {
  return render::csv_table(case_columns(true), cases);
}

Json run_json(const RunInfo& run) {
  return Json{{"id", run.id},
              {"started_at", run.started_at},
              {"endpoint", run.endpoint},
              {"protocol", run.protocol},
              {"model", run.model},
              {"server", run.server},
              {"simulated", run.simulated},
              {"stream", run.stream},
              {"arrival", run.arrival},
              {"agentrace", run.agentrace},
              {"aborted", run.aborted},
              {"client", {{"cpu_s", rounded(run.self.cpu_s)}, {"wall_s", rounded(run.self.wall_s)},
                          {"cpu_share", rounded(run.self.cpu_share())}, {"loop_lag_ms", to_json(distribution(run.self.lag_ms))},
                          {"warning", self_check_warning(run.self)}}},
              {"server_metrics", run.server_metrics}};
}

Json json(const RunInfo& run, const std::vector<CaseResult>& cases) {
  Json j = run_json(run);
  j["cases"] = render::json_rows(case_columns(run.slo), cases);
  return j;
}

SelfCheckVerdict self_check(const SelfCheck& self, const std::vector<CaseResult>& results) {
  SelfCheckVerdict v;
  std::string why = self_check_warning(self);
  std::string figures = fmt::format("client CPU {:.0f}% of a core, loop lag p99 {:.1f} ms", self.cpu_share() * 100,
                                    distribution(self.lag_ms).p99);
  for (const auto& r : results) {
    if (!r.client_added_ms || !r.server_queue_ms) continue;
    figures += fmt::format("; case {}: client-added TTFT p50 {:.2f} / p99 {:.2f} ms, server queueing p50 {:.2f} / p99 {:.2f} ms",
                           r.index + 1, r.client_added_ms->median, r.client_added_ms->p99, r.server_queue_ms->median,
                           r.server_queue_ms->p99);
    if (why.empty() && r.client_added_ms->p99 > 10 && r.client_added_ms->p99 > r.server_queue_ms->p99) {
      why = fmt::format("case {}: the client added {:.1f} ms to TTFT (p99), more than the server queued", r.index + 1,
                        r.client_added_ms->p99);
    }
  }
  v.client_limited = !why.empty();
  v.text = (v.client_limited ? "the client limited this run: " + why : "the client kept up, the server set the pace") + " (" +
           figures + ")";
  return v;
}

std::string self_check_warning(const SelfCheck& self) {
  const Dist lag = distribution(self.lag_ms);
  if (self.wall_s >= 1 && self.cpu_share() > 0.9) {
    return fmt::format("the client used {:.0f}% of a core: it, not the server, may have been the bottleneck",
                       self.cpu_share() * 100);
  }
  if (lag.p99 > 10) {
    return fmt::format("the client's event loop lagged {:.1f} ms (p99): its timings may be late by that much", lag.p99);
  }
  return "";
}

}  // namespace agentrace::speed
