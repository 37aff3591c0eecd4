// Proxy overhead, on the shipped path: `agentrace sim` read directly and through the
// `agentrace proxy` command (both child processes; the client is this process), direct
// and proxied rounds alternating at each concurrency:
//  - paced streams (TTFT 0, then one token a chunk every --gap-ms): time to first body
//    byte, what the proxy adds to it (median and p99 over all rounds), and the proxy
//    process's CPU per relayed chunk;
//  - unpaced streams (profile zero, --tokens chunks at once): MB/s direct and proxied,
//    the ratio as the median of the rounds' ratios.
// Concurrency is reported as actually in flight (time-weighted mean and peak), with the
// load average beside each row.
//   ulimit -n 20000; bench-proxy-overhead [--levels 1,64,1000] [--rounds 5] [--chunks 32]
//                                         [--gap-ms 20] [--tokens 400]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "common.hpp"
#include "core/fs.hpp"
#include "core/stats.hpp"
#include "core/version.hpp"
#include "net/client.hpp"

namespace net = agentrace::net;
namespace core = agentrace::core;
using agentrace::bench::SimBehindProxy;

namespace {

struct Config {
  std::vector<int> levels{1, 64, 1000};
  int rounds = 5;      // direct/proxied alternations per level and phase
  int chunks = 32;     // content chunks of a paced stream
  double gap_ms = 20;  // between them
  int tokens = 400;    // chunks of an unpaced stream
};

struct RunResult {
  std::vector<double> ttft_ms;
  std::uint64_t bytes = 0;
  std::uint64_t chunks = 0;  // SSE events, however the reads grouped them: what the sim sent as chunks
  double seconds = 0, inflight_mean = 0, proxy_cpu_s = 0;
  int inflight_peak = 0;
  std::size_t errors = 0;
};

// SSE events that end in `piece` (at a blank line); `last` carries the previous piece's last byte.
std::uint64_t events_ending(std::string_view piece, char& last) {
  std::uint64_t n = 0;
  for (const char c : piece) {
    n += c == '\n' && last == '\n';
    last = c;
  }
  return n;
}

// `concurrency` workers on one client loop, each making `per_worker` requests in a row.
class Load {
 public:
  Load(net::EventLoop& loop, net::Client& client) : loop_(loop), client_(client) {}

  RunResult run(const std::string& url, int tokens, int concurrency, int per_worker, std::chrono::nanoseconds spread) {
    url_ = net::parse_url(url);
    tokens_ = tokens;
    r_ = RunResult{};
    workers_left_ = concurrency;
    inflight_ = 0;
    std::promise<void> done;
    done_ = &done;
    start_ns_ = last_ns_ = net::now_ns();
    weighted_ = 0;
    loop_.post([this, concurrency, per_worker, spread] {
      for (int w = 0; w < concurrency; ++w) {
        timers_.push_back(loop_.after(spread * w / concurrency, [this, per_worker] { request(per_worker); }));
      }
    });
    done.get_future().wait();
    loop_.call([this] { timers_.clear(); });
    r_.seconds = static_cast<double>(net::now_ns() - start_ns_) / 1e9;
    r_.inflight_mean = weighted_ / static_cast<double>(net::now_ns() - start_ns_);
    return r_;
  }

 private:
  void count(int delta) {  // the time-weighted in-flight count
    const auto now = net::now_ns();
    weighted_ += static_cast<double>(inflight_) * static_cast<double>(now - last_ns_);
    last_ns_ = now;
    inflight_ += delta;
    r_.inflight_peak = std::max(r_.inflight_peak, inflight_);
  }

  void request(int left) {
    net::ClientRequest req{.method = "POST", .target = "/v1/chat/completions"};
    req.headers.add("Content-Type", "application/json");
    req.body = fmt::format(R"({{"model":"sim","stream":true,"max_tokens":{},"messages":[{{"role":"user","content":"bench"}}]}})",
                           tokens_);
    const auto start = net::now_ns();
    auto first = std::make_shared<std::int64_t>(0);
    count(+1);
    client_.fetch(url_, std::move(req),
                  {nullptr,
                   [this, first, last = '\0'](std::string_view piece, std::int64_t at, std::function<void()> more) mutable {
                     if (*first == 0) *first = at;
                     r_.bytes += piece.size();
                     r_.chunks += events_ending(piece, last);
                     more();
                   },
                   [this, start, first, left](const net::Error& err, const net::FetchTimings&) {
                     count(-1);
                     if (err || *first == 0) ++r_.errors;
                     if (!err && *first != 0) r_.ttft_ms.push_back(static_cast<double>(*first - start) / 1e6);
                     if (left > 1) return request(left - 1);
                     if (--workers_left_ == 0) done_->set_value();
                   }});
  }

  net::EventLoop& loop_;
  net::Client& client_;
  net::Url url_;
  int tokens_ = 0;
  RunResult r_;
  int workers_left_ = 0, inflight_ = 0;
  std::int64_t start_ns_ = 0, last_ns_ = 0;
  double weighted_ = 0;
  std::promise<void>* done_ = nullptr;
  std::vector<std::shared_ptr<net::Timer>> timers_;
};

struct Pair {
  RunResult direct, proxied;
};

// Rounds of direct then proxied runs; the proxied ones carry the proxy process's CPU.
std::vector<Pair> alternate(Load& load, SimBehindProxy& path, int tokens, int level, int per_worker, std::chrono::nanoseconds spread,
                            int rounds) {
  load.run(path.sim.url(), tokens, level, 1, spread);  // warm-up: connections pooled on every hop
  load.run(path.proxy.url(), tokens, level, 1, spread);
  std::vector<Pair> out;
  for (int round = 0; round < rounds; ++round) {
    Pair p;
    p.direct = load.run(path.sim.url(), tokens, level, per_worker, spread);
    const double cpu0 = path.proxy.cpu_seconds();
    p.proxied = load.run(path.proxy.url(), tokens, level, per_worker, spread);
    p.proxied.proxy_cpu_s = path.proxy.cpu_seconds() - cpu0;
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<double> pooled_ttft(const std::vector<Pair>& pairs, bool proxied) {
  std::vector<double> all;
  for (const auto& p : pairs) {
    const auto& t = (proxied ? p.proxied : p.direct).ttft_ms;
    all.insert(all.end(), t.begin(), t.end());
  }
  return all;
}

template <class F>
double median_of(const std::vector<Pair>& pairs, F&& f) {
  std::vector<double> xs;
  for (const auto& p : pairs) xs.push_back(f(p));
  return core::median(xs);
}

void paced_row(Load& load, SimBehindProxy& path, const Config& cfg, int level) {
  const int per = level == 1 ? 10 : level <= 64 ? 3 : 1;
  const auto spread = std::chrono::nanoseconds(static_cast<std::int64_t>(cfg.chunks * cfg.gap_ms * 1e6));
  const std::string before = agentrace::bench::loadavg();
  const auto pairs = alternate(load, path, cfg.chunks, level, per, spread, cfg.rounds);
  const auto d = pooled_ttft(pairs, false), p = pooled_ttft(pairs, true);
  const double d50 = core::quantile(d, 0.5), d99 = core::quantile(d, 0.99);
  const double p50 = core::quantile(p, 0.5), p99 = core::quantile(p, 0.99);
  const double us_per_chunk = median_of(pairs, [](const Pair& x) {
    return x.proxied.proxy_cpu_s * 1e6 / static_cast<double>(std::max<std::uint64_t>(1, x.proxied.chunks));
  });
  std::size_t errors = 0;
  for (const auto& x : pairs) errors += x.direct.errors + x.proxied.errors;
  fmt::print("| paced | {} | {:.0f} / {} | {} | {:.3f} / {:.3f} | {:.3f} / {:.3f} | {:+.3f} | {:+.3f} | {:.1f} | {} | {} -> {} |\n",
             level, median_of(pairs, [](const Pair& x) { return x.proxied.inflight_mean; }),
             pairs.front().proxied.inflight_peak, p.size(), d50, d99, p50, p99, p50 - d50, p99 - d99, us_per_chunk, errors,
             before, agentrace::bench::loadavg());
  std::fflush(stdout);
}

void unpaced_row(Load& load, SimBehindProxy& path, const Config& cfg, int level) {
  const int per = level == 1 ? 20 : level <= 64 ? 2 : 1;
  const std::string before = agentrace::bench::loadavg();
  const auto pairs = alternate(load, path, cfg.tokens, level, per, {}, cfg.rounds);
  auto mbps = [](const RunResult& r) { return static_cast<double>(r.bytes) / r.seconds / 1e6; };
  std::size_t errors = 0;
  for (const auto& x : pairs) errors += x.direct.errors + x.proxied.errors;
  fmt::print("| unpaced | {} | {:.0f} / {} | {} | {:.1f} MB/s | {:.1f} MB/s | {:.3f}x | | {:.1f} | {} | {} -> {} |\n", level,
             median_of(pairs, [](const Pair& x) { return x.proxied.inflight_mean; }), pairs.front().proxied.inflight_peak,
             pairs.size(), median_of(pairs, [&](const Pair& x) { return mbps(x.direct); }),
             median_of(pairs, [&](const Pair& x) { return mbps(x.proxied); }),
             median_of(pairs, [&](const Pair& x) { return mbps(x.proxied) / mbps(x.direct); }),
             median_of(pairs, [](const Pair& x) {
               return x.proxied.proxy_cpu_s * 1e6 / static_cast<double>(std::max<std::uint64_t>(1, x.proxied.chunks));
             }),
             errors, before, agentrace::bench::loadavg());
  std::fflush(stdout);
}

Config parse(int argc, char** argv) {
  Config cfg;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--levels") cfg.levels = agentrace::bench::int_list(value);
    if (flag == "--rounds") cfg.rounds = std::max(1, std::stoi(value));
    if (flag == "--chunks") cfg.chunks = std::stoi(value);
    if (flag == "--gap-ms") cfg.gap_ms = std::stod(value);
    if (flag == "--tokens") cfg.tokens = std::stoi(value);
  }
  return cfg;
}

}  // namespace

int main(int argc, char** argv) {
  const Config cfg = parse(argc, argv);
  core::TempDir dir("bench-proxy");
  core::write_file(dir.path() / "paced.toml", fmt::format("name = \"paced\"\ndecode_tokens_per_s = {}\n", 1000 / cfg.gap_ms));
  SimBehindProxy paced(dir.path(), "paced", (dir.path() / "paced.toml").string());
  SimBehindProxy unpaced(dir.path(), "unpaced", "zero");
  net::EventLoop loop;
  net::ClientOptions options;
  options.pool_per_origin = 4096;
  net::Client client(loop, options);
  loop.start();
  Load load(loop, client);
  fmt::print(stderr, "agentrace {} | {} cores | agentrace sim -> agentrace proxy (default threads), client: one loop in this process\n",
             agentrace::core::version(), std::thread::hardware_concurrency());
  fmt::print("| streams | level | in flight mean / peak | samples | TTFT direct p50 / p99 ms | TTFT proxy p50 / p99 ms "
             "| added p50 ms | added p99 ms | proxy CPU us / chunk | errors | load before -> after |\n");
  fmt::print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
  for (const int level : cfg.levels) paced_row(load, paced, cfg, level);
  fmt::print("\n| streams | level | in flight mean / peak | rounds | direct | proxied | proxy/direct (median of rounds) "
             "| | proxy CPU us / chunk | errors | load before -> after |\n");
  fmt::print("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---|\n");
  for (const int level : cfg.levels) unpaced_row(load, unpaced, cfg, level);
  loop.call([&] { client.close_idle(); });
  return 0;
}
