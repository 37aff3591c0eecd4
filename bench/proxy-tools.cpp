// The `agentrace proxy` command against the sim it fronts, seen by tools no one here wrote
// and by `agentrace speed`, direct and proxied runs alternated, medians of runs:
//  - curl: one stream per new connection, time to first byte (time_starttransfer);
//  - agentrace speed: paced streams (TTFT 0, 50 tokens/s, 32 tokens) at each level, TTFT;
//  - wrk -t1: non-streaming requests/s at each level (profile zero).
//   ulimit -n 20000; bench-proxy-tools [--levels 1,64,1000] [--runs 3] [--seconds 5]
// One row per tool and level: direct, proxied, what the proxy added (or the ratio), and
// the load average before -> after.
#include <cmath>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common.hpp"
#include "core/fs.hpp"
#include "core/stats.hpp"
#include "core/version.hpp"

namespace fs = std::filesystem;
namespace core = agentrace::core;
using agentrace::bench::SimBehindProxy;
using agentrace::bench::loadavg;
using agentrace::bench::sh;
using agentrace::bench::slurp;
using Json = nlohmann::json;

namespace {

struct Config {
  std::vector<int> levels{1, 64, 1000};
  int runs = 3;
  int seconds = 5;
};

const char* kBody = R"({"model":"sim","stream":STREAM,"max_tokens":32,"messages":[{"role":"user","content":"bench"}]})";

std::string body(bool stream) {
  std::string b = kBody;
  b.replace(b.find("STREAM"), 6, stream ? "true" : "false");
  return b;
}

// Median time to first byte in ms over n curl calls, each on a new connection.
double curl_ttfb(const fs::path& dir, const std::string& url, int n) {
  core::write_file(dir / "body.json", body(true));
  std::vector<double> xs;
  for (int i = 0; i < n; ++i) {
    sh(fmt::format("curl -s -o /dev/null -w %{{time_starttransfer}} -d @{}/body.json {}/v1/chat/completions > {}/curl.txt",
                   dir.string(), url, dir.string()));
    xs.push_back(std::stod(slurp(dir / "curl.txt")) * 1000);
  }
  return core::median(xs);
}

// {TTFT p50, p99} of one `agentrace speed` run.
std::pair<double, double> speed_ttft(const fs::path& dir, const std::string& url, int level) {
  const int rc = sh(fmt::format("{} speed --url {} -p 16 -n 32 -c {} --requests {} -r 1 --no-store --no-metrics --format json "
                                "> {}/speed.json 2> {}/speed.err",
                                agentrace::bench::agentrace_bin(), url, level, std::max(level * 2, 10), dir.string(), dir.string()));
  if (rc != 0) fmt::print(stderr, "agentrace speed exited {}: {}\n", rc, slurp(dir / "speed.err"));
  const Json c = Json::parse(slurp(dir / "speed.json"))["cases"][0];
  return {c["ttft_ms_median"].get<double>(), c["ttft_ms_p99"].get<double>()};
}

// Runs f(url) on the direct then the proxied URL, `runs` times; the medians of each.
template <class F>
std::pair<std::vector<double>, std::vector<double>> alternate(const SimBehindProxy& path, int runs, F&& f) {
  std::vector<double> direct, proxied;
  for (int i = 0; i < runs; ++i) {
    direct.push_back(f(path.sim.url()));
    proxied.push_back(f(path.proxy.url()));
  }
  return {direct, proxied};
}

void row(const std::string& tool, int level, const std::string& unit, const std::vector<double>& d, const std::vector<double>& p,
         bool ratio, const std::string& before) {
  const double md = core::median(d), mp = core::median(p);
  const std::string diff = ratio ? fmt::format("{:.3f}x", mp / md) : fmt::format("{:+.3f} ms", mp - md);
  fmt::print("| {} | {} | {} | {:.3f} | {:.3f} | {} | {} -> {} |\n", tool, level, unit, md, mp, diff, before, loadavg());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--levels") cfg.levels = agentrace::bench::int_list(value);
    if (flag == "--runs") cfg.runs = std::max(1, std::stoi(value));
    if (flag == "--seconds") cfg.seconds = std::stoi(value);
  }
  core::TempDir dir("bench-proxy-tools");
  core::write_file(dir.path() / "paced.toml", "name = \"paced\"\ndecode_tokens_per_s = 50\n");
  core::write_file(dir.path() / "post.lua", fmt::format("wrk.method = \"POST\"\nwrk.body = {}\nwrk.headers[\"Content-Type\"] = "
                                                        "\"application/json\"\n", Json(body(false)).dump()));
  SimBehindProxy paced(dir.path(), "paced", (dir.path() / "paced.toml").string());
  SimBehindProxy zero(dir.path(), "zero", "zero");
  fmt::print("bench-proxy-tools, agentrace {}, {} cores, {} runs each (medians); sim and proxy with their default loops\n\n",
             core::version(), std::thread::hardware_concurrency(), cfg.runs);
  fmt::print("| tool | streams | figure | direct | proxied | proxy adds | load before -> after |\n|---|---:|---|---:|---:|---:|---|\n");
  std::string before = loadavg();
  auto [cd, cp] = alternate(paced, cfg.runs, [&](const std::string& url) { return curl_ttfb(dir.path(), url, 20); });
  row("curl (new connection each)", 1, "TTFB median ms", cd, cp, false, before);
  for (const int level : cfg.levels) {
    before = loadavg();
    std::vector<double> p50d, p50p, p99d, p99p;
    for (int i = 0; i < cfg.runs; ++i) {
      const auto d = speed_ttft(dir.path(), paced.sim.url(), level), p = speed_ttft(dir.path(), paced.proxy.url(), level);
      p50d.push_back(d.first), p99d.push_back(d.second), p50p.push_back(p.first), p99p.push_back(p.second);
    }
    row("agentrace speed", level, "TTFT p50 ms", p50d, p50p, false, before);
    row("agentrace speed", level, "TTFT p99 ms", p99d, p99p, false, before);
  }
  for (const int level : cfg.levels) {
    before = loadavg();
    auto [wd, wp] = alternate(zero, cfg.runs, [&](const std::string& url) { return agentrace::bench::wrk_rps(dir.path(), url, level, cfg.seconds); });
    row("wrk -t1 (non-streaming)", level, "req/s", wd, wp, true, before);
  }
}
