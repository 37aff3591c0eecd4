// `agentrace speed` under load, against `agentrace sim` on loopback, one run each:
//  1. 1000 concurrent streams: what the client adds to TTFT (its first-content time minus
//     the sim's own send time of that chunk, from the stream's stamp), its CPU and loop lag;
//  2. 4000 concurrent streams: completed without error?
//  3. non-streaming requests/s at C connections, against wrk (Debian) on the same server
//     with the same connections and the same request body.
//   bench-speed-load [--streams 1000] [--many 4000] [--connections 64] [--seconds 5]
// The sim and wrk run as child processes; figures go to stdout.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/fs.hpp"
#include "core/version.hpp"
#include "speed/prompt.hpp"

namespace fs = std::filesystem;
using Json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

struct Config {
  int streams = 1000;
  int many = 4000;
  int connections = 64;
  int seconds = 5;
};

std::string slurp(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int sh(const std::string& command) {
  const int rc = std::system(("bash -c '" + command + "'").c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

// `agentrace sim` in the background for as long as this object lives.
class Sim {
 public:
  Sim(const fs::path& dir, const std::string& profile) : dir_(dir) {
    sh(fmt::format("{} sim --profile {} -q > {}/sim.url 2> {}/sim.err & echo $! > {}/sim.pid", AGENTRACE_BIN, profile,
                   dir.string(), dir.string(), dir.string()));
    while (slurp(dir / "sim.url").empty()) std::this_thread::sleep_for(10ms);
    url_ = slurp(dir / "sim.url");
    url_.pop_back();
  }
  ~Sim() { sh("kill " + slurp(dir_ / "sim.pid")); }
  const std::string& url() const { return url_; }

 private:
  fs::path dir_;
  std::string url_;
};

// A figure, or NaN when the run did not produce it.
double num(const Json& j) { return j.is_number() ? j.get<double>() : std::nan(""); }

// Runs `agentrace speed` with JSON output; returns the parsed run.
Json run_speed(const fs::path& dir, const std::string& url, const std::string& flags) {
  const int rc = sh(fmt::format("{} speed --url {} {} --no-store --format json > {}/speed.json 2> {}/speed.err", AGENTRACE_BIN,
                                url, flags, dir.string(), dir.string()));
  if (rc != 0) fmt::print("  agentrace speed exited {}: {}\n", rc, slurp(dir / "speed.err"));
  std::fflush(stdout);
  return Json::parse(slurp(dir / "speed.json"));
}

void concurrent_streams(const fs::path& dir, const Config& cfg) {
  // 0.1 s to first token, 100 tokens/s: each stream lasts about 0.3 s.
  agentrace::core::write_file(dir / "stream.toml", "ttft_ms = 100\ndecode_tokens_per_s = 100\n");
  Sim sim(dir, (dir / "stream.toml").string());
  for (int n : {cfg.streams, cfg.many}) {
    const Json run = run_speed(dir, sim.url(), fmt::format("-p 128 -n 20 -c {0} --requests {0} -r 1 --idle-timeout 60", n));
    const Json& c = run["cases"][0];
    fmt::print("{} concurrent streams: {} of {} ok, errors {}; TTFT median {} ms (profile 100 ms + prompt); "
               "client-added TTFT (first content seen - sim send time) mean {} ms, median {} ms, p99 {} ms; client CPU {:.0f}% of a "
               "core over {:.2f} s; loop lag p99 {} ms{}\n",
               n, c["ok"].dump(), c["requests"].dump(), c["errors"].dump(), c["ttft_ms_median"].dump(),
               c["sim_lag_ms_mean"].dump(), c["sim_lag_ms_median"].dump(), c["sim_lag_ms_p99"].dump(), num(run["client"]["cpu_share"]) * 100,
               num(run["client"]["wall_s"]), run["client"]["loop_lag_ms"]["p99"].dump(),
               run["client"]["warning"].get<std::string>().empty() ? "" : " (" + run["client"]["warning"].get<std::string>() + ")");
  }
}

void versus_wrk(const fs::path& dir, const Config& cfg) {
  Sim sim(dir, "zero");
  namespace speed = agentrace::speed;
  const std::string body = speed::request_body({agentrace::wire::Protocol::openai_chat, "sim", false, false},
                                               speed::build_prompt({}, 16, 0), 1);
  agentrace::core::write_file(dir / "post.lua", fmt::format("wrk.method = \"POST\"\nwrk.body = {}\n"
                                                            "wrk.headers[\"Content-Type\"] = \"application/json\"\n",
                                                            Json(body).dump()));
  const Json run = run_speed(dir, sim.url(), fmt::format("--no-stream -p 16 -n 1 -c {} --requests {} -r 1 --no-metrics",
                                                     cfg.connections, cfg.connections * 300));
  const double ours = num(run["cases"][0]["req_per_s_mean"]);
  fmt::print("non-streaming, {} connections: agentrace speed {:.0f} req/s ({} requests, {} ok, client CPU {:.0f}%)\n",
             cfg.connections, ours, run["cases"][0]["requests"].dump(), run["cases"][0]["ok"].dump(),
             num(run["client"]["cpu_share"]) * 100);
  for (int threads : {1, 2}) {
    sh(fmt::format("wrk -t{} -c{} -d{}s -s {}/post.lua {}/v1/chat/completions > {}/wrk.txt 2>&1", threads, cfg.connections,
                   cfg.seconds, dir.string(), sim.url(), dir.string()));
    const std::string out = slurp(dir / "wrk.txt");
    const auto at = out.find("Requests/sec:");
    if (at == std::string::npos) {
      fmt::print("wrk failed (is it installed? apt-get install -y wrk):\n{}\n", out);
      return;
    }
    const double wrk = std::stod(out.substr(at + 13));
    fmt::print("non-streaming, {} connections: wrk -t{} {:.0f} req/s; agentrace speed / wrk = {:.2f}\n", cfg.connections,
               threads, wrk, ours / wrk);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const int v = std::atoi(argv[i + 1]);
    if (flag == "--streams") cfg.streams = v;
    else if (flag == "--many") cfg.many = v;
    else if (flag == "--connections") cfg.connections = v;
    else if (flag == "--seconds") cfg.seconds = v;
  }
  agentrace::core::TempDir dir("bench-speed");
  fmt::print("bench-speed-load, agentrace {}, {} cores\n", agentrace::core::version(), std::thread::hardware_concurrency());
  concurrent_streams(dir.path(), cfg);
  versus_wrk(dir.path(), cfg);
}
