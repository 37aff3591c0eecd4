// `agentrace speed`: the endpoint speed test (src/speed/, docs/speed.md). Sweeps prompt
// length, output length, concurrency and request rate against one endpoint, prints a
// llama-bench-style table (or JSON / CSV) on stdout, keeps every raw sample in the store.
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>

#include <fmt/format.h>

#include "app/commands.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/hash.hpp"
#include "core/host.hpp"
#include "core/version.hpp"
#include "speed/load.hpp"
#include "speed/metrics-scrape.hpp"
#include "speed/plots.hpp"
#include "speed/printers.hpp"
#include "store/store.hpp"

namespace agentrace::app {
namespace {

struct SpeedArgs {
  std::string url;
  std::string protocol = "openai-chat";
  std::string model;
  std::string api_key_env;
  std::string prompt = "512";
  std::string output = "128";
  std::string concurrency;
  std::string rate = "0";
  std::string arrival = "poisson";
  std::uint64_t seed = 0;
  int reps = 3;
  std::size_t warmup = 0;
  std::size_t requests = 0;
  bool prefix_cache = false;
  std::int64_t shared_prefix = 0;
  bool no_stream = false;
  bool ignore_eos = false;
  double tokens_per_chunk = 0;
  std::string slo;
  double timeout_s = 600;
  double idle_timeout_s = 60;
  std::string format = "markdown";
  std::string raw;
  std::string db = "agentrace.db";
  bool no_store = false;
  std::string svg;
  bool no_metrics = false;
  bool self_check = false;
};

speed::Target target_of(const SpeedArgs& a) {
  speed::Target t;
  try {
    t.url = net::parse_url(a.url);
  } catch (const std::invalid_argument& e) {
    throw core::UsageError(std::string("--url: ") + e.what());
  }
  if (t.url.base_path.empty()) t.url.base_path = "/v1";
  const auto protocol = wire::parse_protocol(a.protocol);
  if (!protocol) {
    throw core::UsageError("--protocol: '" + a.protocol + "' is not openai-chat, anthropic-messages or openai-responses");
  }
  t.request = {*protocol, a.model, !a.no_stream, a.ignore_eos};
  if (!a.api_key_env.empty()) {
    const char* key = std::getenv(a.api_key_env.c_str());
    if (key == nullptr || *key == '\0') {
      throw core::UsageError(fmt::format("--api-key-env {}: the variable is not set (export it or name another)", a.api_key_env));
    }
    t.api_key = key;
  }
  t.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(a.timeout_s * 1000));
  t.idle_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(a.idle_timeout_s * 1000));
  return t;
}

speed::Sweep sweep_of(const SpeedArgs& a) {
  speed::Sweep s;
  s.prompt_tokens = speed::parse_int_list(a.prompt, "-p/--prompt", 1);
  s.output_tokens = speed::parse_int_list(a.output, "-n/--output", 1);
  if (!a.concurrency.empty()) {
    for (auto c : speed::parse_int_list(a.concurrency, "-c/--concurrency", 0)) s.concurrency.push_back(static_cast<int>(c));
  }
  s.rate = speed::parse_number_list(a.rate, "--rate", 0);
  for (std::size_t i = 0; i < s.concurrency.size(); ++i) {
    for (double r : s.rate) {
      if (s.concurrency[i] == 0 && r == 0) throw core::UsageError("-c/--concurrency: 0 (no cap) needs an open-loop --rate");
    }
  }
  return s;
}

speed::LoadOptions load_options_of(const SpeedArgs& a) {
  if (a.reps < 1) throw core::UsageError("-r/--reps: at least 1");
  speed::LoadOptions o;
  o.reps = a.reps;
  o.warmup = a.warmup;
  o.requests = a.requests;
  o.arrival = speed::parse_arrival(a.arrival);
  o.seed = a.seed;
  o.prompt = {a.seed, a.prefix_cache, a.shared_prefix};
  if (a.tokens_per_chunk > 0) o.tokens_per_chunk = a.tokens_per_chunk;
  return o;
}

std::string new_run_id() {
  std::random_device rd;
  return "speed-" + core::sha256_hex(fmt::format("{} {} {} {}{}", core::host_name(), core::wall_now_ms(), getpid(), rd(), rd()))
                        .substr(0, 16);
}

// A progress line with ETA, only when stderr is a terminal.
std::function<void(const speed::Progress&)> progress_printer() {
  if (isatty(STDERR_FILENO) == 0) return {};
  return [last = std::int64_t{0}](const speed::Progress& p) mutable {
    if (p.elapsed_ns - last < 200'000'000 && p.done != p.total) return;
    last = p.elapsed_ns;
    const double elapsed = static_cast<double>(p.elapsed_ns) / 1e9;
    const double eta = p.done ? elapsed * static_cast<double>(p.total - p.done) / static_cast<double>(p.done) : 0;
    fmt::print(stderr, "\r{}/{} requests, {:.1f} s, ETA {:.0f} s   {}", p.done, p.total, elapsed, eta, p.done == p.total ? "\n" : "");
  };
}

record::SpeedOptions options(const SpeedArgs& a) {
  return {a.prompt,       a.output, a.concurrency,  a.rate,       a.arrival, a.seed, a.reps, a.warmup, a.requests,
          a.prefix_cache, a.shared_prefix, !a.no_stream, a.ignore_eos, a.slo};
}

void save(const SpeedArgs& a, const speed::RunInfo& run, const std::vector<speed::CaseResult>& results,
          const speed::LoadResult& load) {
  const store::SpeedRunRow row{run.id,     run.started_at,   run.endpoint, run.protocol,       run.model,
                               run.simulated, run.server, run.agentrace, core::host_info(), options(a),
                               speed::run_json(run)};
  std::vector<store::SpeedCaseRow> cases;
  const auto printed_run = speed::json(run, results);
  for (const auto& printed : printed_run["cases"])
    cases.push_back({run.id, static_cast<int>(cases.size()), printed.get<record::SpeedCase>(), printed});
  std::vector<store::SpeedSampleRow> samples;
  for (const auto& cr : load.cases)
    for (const auto& s : cr.samples)
      samples.push_back({run.id, static_cast<int>(s.case_index), static_cast<std::int64_t>(s.sequence), speed::to_json(s)});
  store::Store db(a.db);
  db.put_speed_run(row, cases, samples);
  fmt::print(stderr, "agentrace speed: run {} stored in {}\n", run.id, a.db);
}

void write_outputs(const SpeedArgs& a, const speed::RunInfo& run, const std::vector<speed::CaseResult>& results,
                   const speed::LoadResult& load) {
  if (a.format == "json") {
    fmt::print("{}\n", speed::json(run, results).dump(2));
  } else if (a.format == "csv") {
    fmt::print("{}", speed::csv(run, results));
  } else {
    fmt::print("{}", speed::markdown(run, results));
  }
  std::fflush(stdout);
  if (!a.raw.empty()) {
    std::string lines;
    for (const auto& cr : load.cases)
      for (const auto& s : cr.samples) lines += speed::to_json(s).dump() + "\n";
    core::write_file(a.raw, lines);
  }
  if (!a.svg.empty()) {
    for (const auto& plot : speed::speed_plots(results, load.cases, run.simulated)) {
      core::write_file(std::filesystem::path(a.svg) / plot.file, plot.svg);
    }
  }
  if (!a.no_store) save(a, run, results, load);
}

void report_problems(const SpeedArgs& a, const speed::RunInfo& run, const std::vector<speed::CaseResult>& results) {
  if (a.self_check) {
    const auto verdict = speed::self_check(run.self, results);
    fmt::print(stderr, "self-check: {}\n", verdict.text);
    if (verdict.client_limited) exit_code() = 3;
  } else if (const auto w = speed::self_check_warning(run.self); !w.empty()) {
    fmt::print(stderr, "warning: {}\n", w);
  }
  std::size_t failed = 0, total = 0;
  std::string example;
  for (const auto& r : results) {
    failed += r.requests - r.ok;
    total += r.requests;
    if (example.empty()) example = r.first_error;
  }
  if (!run.aborted.empty()) {
    fmt::print(stderr, "error: {} at {}: the run stopped early; the results so far are kept\n", run.aborted, run.endpoint);
    exit_code() = 1;
  } else if (failed > 0) {
    fmt::print(stderr, "error: {} of {} requests failed (first: {})\n", failed, total, example);
    exit_code() = 1;
  }
}

void run_speed(const SpeedArgs& a) {
  if (a.format != "markdown" && a.format != "json" && a.format != "csv") {
    throw core::UsageError("--format: '" + a.format + "' is not markdown, json or csv");
  }
  const speed::Target target = target_of(a);
  const auto cases = speed::cross_product(sweep_of(a));
  const auto options = load_options_of(a);
  const speed::Slo slo = a.slo.empty() ? speed::Slo{} : speed::parse_slo(a.slo);
  const net::Headers headers = speed::request_headers(target.request.protocol, target.api_key);

  speed::RunInfo run{.id = new_run_id(), .started_at = core::wall_now_rfc3339(), .endpoint = a.url, .protocol = a.protocol,
                     .model = a.model, .agentrace = core::version(), .arrival = speed::arrival_name(options.arrival),
                     .stream = !a.no_stream, .slo = !slo.empty()};
  const auto before = a.no_metrics ? std::nullopt : speed::scrape_vllm(target.url, headers);
  fmt::print(stderr, "agentrace speed: {} case(s) against {} ({})\n", cases.size(), a.url, a.protocol);
  const speed::LoadResult load = speed::run_load(target, cases, options, progress_printer());
  if (before) {
    if (auto after = speed::scrape_vllm(target.url, headers)) run.server_metrics = speed::metric_deltas(*before, *after);
  }
  run.simulated = load.simulated;
  run.server = load.server;
  if (const auto version = a.no_metrics ? std::nullopt : speed::server_version(target.url, headers)) {
    run.server += (run.server.empty() ? "" : " ") + ("version " + *version);
  }
  run.self = load.self;
  run.aborted = load.aborted;
  std::vector<speed::CaseResult> results;
  for (std::size_t i = 0; i < load.cases.size(); ++i) results.push_back(speed::aggregate(load.cases[i], i, slo));
  write_outputs(a, run, results, load);
  report_problems(a, run, results);
}

}  // namespace

void register_speed(CLI::App& app) {
  auto a = std::make_shared<SpeedArgs>();
  auto* cmd = app.add_subcommand("speed", "Measure an endpoint's speed: TTFT, decode tokens/s, latency under load");
  cmd->add_option("--url", a->url, "Endpoint base URL, e.g. http://127.0.0.1:8080/v1 (no path: /v1)")->required();
  cmd->add_option("--protocol", a->protocol, "openai-chat, anthropic-messages or openai-responses")->capture_default_str();
  cmd->add_option("-m,--model", a->model, "Model name sent in each request");
  cmd->add_option("--api-key-env", a->api_key_env, "Environment variable holding the API key");
  cmd->add_option("-p,--prompt", a->prompt, "Prompt lengths in tokens, comma list (2k = 2048)")->capture_default_str();
  cmd->add_option("-n,--output", a->output, "Output lengths in tokens (max_tokens), comma list")->capture_default_str();
  cmd->add_option("-c,--concurrency", a->concurrency,
                  "Requests in flight, comma list (default 1; with --rate: a cap, 0 or unset = none)");
  cmd->add_option("--rate", a->rate, "Open-loop request rates per second, comma list (0 = closed loop)")->capture_default_str();
  cmd->add_option("--arrival", a->arrival, "Open-loop arrivals: poisson or gamma:K")->capture_default_str();
  cmd->add_option("--seed", a->seed, "Seed of prompts and arrivals")->capture_default_str();
  cmd->add_option("-r,--reps", a->reps, "Repetitions of each case")->capture_default_str();
  cmd->add_option("--warmup", a->warmup, "Warm-up requests before each case (not counted)")->capture_default_str();
  cmd->add_option("--requests", a->requests, "Requests per repetition (default: max(4, concurrency); open loop 10 s worth)");
  cmd->add_flag("--prefix-cache", a->prefix_cache, "Send the same prompt every time (let the server's prefix cache work)");
  cmd->add_option("--shared-prefix", a->shared_prefix, "Tokens every prompt shares at its start (agent-like prompts)");
  cmd->add_flag("--no-stream", a->no_stream, "Non-streaming requests");
  cmd->add_flag("--ignore-eos", a->ignore_eos, "Ask the server to ignore EOS (llama.cpp, vLLM) so outputs reach -n");
  cmd->add_option("--tokens-per-chunk", a->tokens_per_chunk, "Token count fallback when the server sends no usage");
  cmd->add_option("--slo", a->slo, "Goodput limits, e.g. ttft=500,tpot=50,e2e=10000 (ms; 500ms and 0.5s also read)");
  cmd->add_option("--timeout", a->timeout_s, "Seconds a request may take")->capture_default_str();
  cmd->add_option("--idle-timeout", a->idle_timeout_s, "Seconds without a byte before a request counts as stalled")
      ->capture_default_str();
  cmd->add_option("--format", a->format, "markdown, json or csv")->capture_default_str();
  cmd->add_option("--raw", a->raw, "Write every request's raw sample here (JSON lines)");
  cmd->add_option("--db,--store", a->db, "Results store (SQLite) the run is saved in")->capture_default_str();
  cmd->add_flag("--no-store", a->no_store, "Do not save the run in the store");
  cmd->add_option("--svg", a->svg, "Write the plots (tokens/s and TTFT vs context, latency CDF) into this folder");
  cmd->add_flag("--self-check", a->self_check,
                "Say whether the client or the server limited the run (exit 3 when the client did)");
  cmd->add_flag("--no-metrics", a->no_metrics, "Do not ask the server for /metrics (vLLM, before and after) and /version");
  cmd->callback([a] { run_speed(*a); });
}

}  // namespace agentrace::app
