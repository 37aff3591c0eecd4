// `agentrace speed` and `agentrace sim` under load, on loopback (child processes):
//  1. sim fidelity: N concurrent streams (one wave each run, --runs runs, medians of runs):
//     measured TTFT and decode rate against the profile's, the sim's own lateness and
//     peak in-flight count (GET /agentrace/stats), and what the client added (connect +
//     send + receive) apart from what the server queued;
//  2. non-streaming requests/s at C connections: `agentrace speed` and wrk (Debian) on
//     the same sim with the same body, alternated, equal durations, medians of runs.
//   bench-speed-load [--streams 1000,4000] [--tokens 100] [--connections 64] [--seconds 5] [--runs 3]
// Figures go to stdout, each with the load average before -> after.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common.hpp"
#include "core/fs.hpp"
#include "core/stats.hpp"
#include "core/version.hpp"
#include "speed/prompt.hpp"

namespace fs = std::filesystem;
namespace core = agentrace::core;
using agentrace::bench::Child;
using agentrace::bench::loadavg;
using agentrace::bench::sh;
using agentrace::bench::slurp;
using Json = nlohmann::json;

namespace {

struct Config {
  std::vector<int> streams{1000, 4000};
  int connections = 64;
  int seconds = 5;
  int runs = 3;
  int tokens = 100;  // per stream: 1 s of decode at the profile's rate
};

constexpr double kTtftMs = 100, kTokensPerS = 100;

double num(const Json& j) { return j.is_number() ? j.get<double>() : std::nan(""); }

// Runs `agentrace speed` with JSON output; returns the parsed run (null when it failed).
Json run_speed(const fs::path& dir, const std::string& url, const std::string& flags) {
  const int rc = sh(fmt::format("{} speed --url {} {} --no-store --no-metrics --format json > {}/speed.json 2> {}/speed.err",
                                agentrace::bench::agentrace_bin(), url, flags, dir.string(), dir.string()));
  if (rc != 0) fmt::print("  agentrace speed exited {}: {}\n", rc, slurp(dir / "speed.err"));
  std::fflush(stdout);
  try {
    return Json::parse(slurp(dir / "speed.json"));
  } catch (const std::exception&) {
    return nullptr;
  }
}

// One wave of n streams on a fresh sim: the figures of one run, by name.
std::map<std::string, double> fidelity_run(const fs::path& dir, int n, int tokens) {
  Child sim(dir, "sim", "sim -q --profile " + (dir / "stream.toml").string());
  const Json run = run_speed(dir, sim.url(), fmt::format("-p 128 -n {1} -c {0} --requests {0} -r 1 --idle-timeout 60", n, tokens));
  sh(fmt::format("curl -s {}/agentrace/stats > {}/stats.json", sim.url(), dir.string()));
  const Json stats = Json::parse(slurp(dir / "stats.json"));
  const double sim_cpu_ms = sim.cpu_seconds() * 1000;
  if (run.is_null()) return {};
  const Json& c = run["cases"][0];
  return {{"ok", num(c["ok"])},
          {"ttft p50", num(c["ttft_ms_median"]) - kTtftMs},
          {"ttft p99", num(c["ttft_ms_p99"]) - kTtftMs},
          {"decode", num(c["decode_tps_median"]) / kTokensPerS},
          {"peak", num(stats["peak_in_flight"])},
          {"late p50", num(stats["lateness_ms"]["p50"])},
          {"late p99", num(stats["lateness_ms"]["p99"])},
          {"client p50", num(c["client_added_ms_median"])},
          {"client p99", num(c["client_added_ms_p99"])},
          {"queue p50", num(c["server_queue_ms_median"])},
          {"queue p99", num(c["server_queue_ms_p99"])},
          {"client cpu", num(run["client"]["cpu_share"]) * 100},
          {"sim cpu", sim_cpu_ms / n}};
}

void sim_fidelity(const fs::path& dir, const Config& cfg) {
  // 0.1 s to first token (prompt time included: ttft_per_1k 0), 100 tokens/s, no jitter.
  core::write_file(dir / "stream.toml", fmt::format("ttft_ms = {}\ndecode_tokens_per_s = {}\n", kTtftMs, kTokensPerS));
  fmt::print("| streams | runs | ok | TTFT - profile p50 / p99 ms | decode / profile | sim peak in flight | sim lateness p50 / "
             "p99 ms | client-added p50 / p99 ms | server queueing p50 / p99 ms | client CPU % | sim CPU ms / stream | load before -> "
             "after |\n");
  fmt::print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
  for (const int n : cfg.streams) {
    const std::string before = loadavg();
    std::map<std::string, std::vector<double>> runs;
    for (int i = 0; i < cfg.runs; ++i) {
      for (const auto& [name, v] : fidelity_run(dir, n, cfg.tokens)) runs[name].push_back(v);
    }
    auto m = [&](const char* name) { return runs[name].empty() ? std::nan("") : core::median(runs[name]); };
    fmt::print("| {} | {} | {:.0f} | {:+.2f} / {:+.2f} | {:.3f} | {:.0f} | {:.2f} / {:.2f} | {:.2f} / {:.2f} | {:.2f} / {:.2f} "
               "| {:.0f} | {:.3f} | {} -> {} |\n",
               n, runs["ok"].size(), m("ok"), m("ttft p50"), m("ttft p99"), m("decode"), m("peak"), m("late p50"),
               m("late p99"), m("client p50"), m("client p99"), m("queue p50"), m("queue p99"), m("client cpu"), m("sim cpu"), before,
               loadavg());
    std::fflush(stdout);
  }
}

void versus_wrk(const fs::path& dir, const Config& cfg) {
  Child sim(dir, "sim-zero", "sim -q --profile zero");
  namespace speed = agentrace::speed;
  const std::string body = speed::request_body({agentrace::wire::Protocol::openai_chat, "sim", false, false},
                                               speed::build_prompt({}, 16, 0), 1);
  core::write_file(dir / "post.lua", fmt::format("wrk.method = \"POST\"\nwrk.body = {}\n"
                                                 "wrk.headers[\"Content-Type\"] = \"application/json\"\n",
                                                 Json(body).dump()));
  const std::string before = loadavg();
  // wrk runs for a time, speed for a request count: a first wrk run sizes speed's count so
  // that both run about --seconds each; then they alternate.
  double rate = agentrace::bench::wrk_rps(dir, sim.url(), cfg.connections, 1);
  std::vector<double> ours, theirs, our_secs;
  for (int i = 0; i < cfg.runs; ++i) {
    const auto requests = static_cast<long>(rate * cfg.seconds);
    const Json run = run_speed(dir, sim.url(), fmt::format("--no-stream -p 16 -n 1 -c {} --requests {} -r 1", cfg.connections, requests));
    ours.push_back(num(run["cases"][0]["req_per_s_mean"]));
    our_secs.push_back(num(run["client"]["wall_s"]));
    theirs.push_back(agentrace::bench::wrk_rps(dir, sim.url(), cfg.connections, cfg.seconds));
    rate = theirs.back();
  }
  std::vector<double> ratios;
  for (std::size_t i = 0; i < ours.size(); ++i) ratios.push_back(ours[i] / theirs[i]);
  fmt::print("\n| non-streaming, {} connections | runs | agentrace speed req/s | its seconds | wrk -t1 req/s | wrk seconds | "
             "speed / wrk (median of runs) | load before -> after |\n|---|---:|---:|---:|---:|---:|---:|---|\n",
             cfg.connections);
  fmt::print("| sim, profile zero | {} | {:.0f} | {:.1f} | {:.0f} | {} | {:.2f}x | {} -> {} |\n", cfg.runs, core::median(ours),
             core::median(our_secs), core::median(theirs), cfg.seconds, core::median(ratios), before, loadavg());
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--streams") cfg.streams = agentrace::bench::int_list(value);
    if (flag == "--connections") cfg.connections = std::stoi(value);
    if (flag == "--seconds") cfg.seconds = std::stoi(value);
    if (flag == "--runs") cfg.runs = std::max(1, std::stoi(value));
    if (flag == "--tokens") cfg.tokens = std::stoi(value);
  }
  core::TempDir dir("bench-speed");
  fmt::print("bench-speed-load, agentrace {}, {} cores; sim with its default loops (one a core)\n", core::version(),
             std::thread::hardware_concurrency());
  sim_fidelity(dir.path(), cfg);
  versus_wrk(dir.path(), cfg);
}
