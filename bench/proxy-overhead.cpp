// Proxy overhead: the same streaming upstream (in process, OpenAI-style SSE chunks with a
// fixed delay) read directly and through the recording proxy, in one run, at several
// concurrencies. Reports time to first token (request sent -> first body piece, which
// carries content) and aggregate streaming throughput, and what the proxy adds.
//   bench-proxy-overhead [--chunks N] [--gap-ms G] [--first-ms F] [--levels 1,64,1000]
//                        [--requests R] [--rounds K]
// Requests per worker scale down with the level unless --requests is given; direct and
// proxied runs alternate K times per level. Progress and proxy-side timings go to stderr.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "core/version.hpp"
#include "net/client.hpp"
#include "net/server.hpp"
#include "proxy/proxy.hpp"

namespace net = agentrace::net;
namespace proxy = agentrace::proxy;
using namespace std::chrono_literals;

namespace {

struct Config {
  int chunks = 32;        // content chunks per stream
  double gap_ms = 20;     // between chunks (50 chunks/s per stream)
  // Before the first chunk. 0 by default: timers on this VM fire up to 5 ms late now
  // and then, which would bury the proxy's added TTFT in timer noise.
  double first_ms = 0;
  std::vector<int> levels{1, 64, 1000};
  int requests = 0;       // per worker; 0 = by level
  int rounds = 4;         // direct/proxied alternations per level
};

std::string sse_chunk(int i) {
  return fmt::format(
      "data: {{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1764480000,"
      "\"model\":\"bench-model\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\" token{}\"}},"
      "\"finish_reason\":null}}]}}\n\n",
      i);
}

// The upstream: `chunks` SSE chunks, the first after first_ms, then one every gap_ms.
void stream_handler(const Config& cfg, std::shared_ptr<net::Exchange> ex) {
  ex->read_all([&cfg, ex](std::string, const net::Error&) {
    net::ResponseHead head;
    head.headers.add("Content-Type", "text/event-stream");
    ex->write_head(std::move(head));
    auto i = std::make_shared<int>(0);
    auto step = std::make_shared<std::function<void()>>();
    const auto gap = std::chrono::nanoseconds(static_cast<std::int64_t>(cfg.gap_ms * 1e6));
    *step = [&cfg, ex, i, step, gap] {
      if (*i == cfg.chunks) {
        ex->write_body("data: [DONE]\n\n");
        ex->finish();
        *step = nullptr;
        return;
      }
      ex->write_body(sse_chunk((*i)++));
      ex->loop().after(gap, *step);
    };
    if (cfg.first_ms <= 0) return (*step)();
    ex->loop().after(std::chrono::nanoseconds(static_cast<std::int64_t>(cfg.first_ms * 1e6)), *step);
  });
}

double cpu_seconds() {  // user + system time of the whole process
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  const auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

struct RunResult {
  std::vector<double> ttft_ms;
  std::uint64_t bytes = 0;
  std::uint64_t pieces = 0;
  double cpu_s = 0;
  double seconds = 0;
  std::size_t errors = 0;
};

// `concurrency` workers, each making `per_worker` requests one after another.
class Load {
 public:
  Load(net::EventLoop& loop, net::Client& client, net::Url url) : loop_(loop), client_(client), url_(std::move(url)) {}

  // Worker starts are spread over one stream's duration, so that the streams do not
  // march in lockstep (all chunks of all streams due at the same instant).
  RunResult run(int concurrency, int per_worker, std::chrono::nanoseconds spread) {
    result_ = RunResult{};
    result_.ttft_ms.reserve(static_cast<std::size_t>(concurrency * per_worker));
    workers_left_ = concurrency;
    std::promise<void> done;
    done_ = &done;
    const auto t0 = net::now_ns();
    const double cpu0 = cpu_seconds();
    loop_.post([this, concurrency, per_worker, spread] {
      for (int w = 0; w < concurrency; ++w) {
        timers_.push_back(loop_.after(spread * w / concurrency, [this, per_worker] { request(per_worker); }));
      }
    });
    done.get_future().wait();
    loop_.call([this] { timers_.clear(); });
    result_.seconds = static_cast<double>(net::now_ns() - t0) / 1e9;
    result_.cpu_s = cpu_seconds() - cpu0;
    return result_;
  }

 private:
  void request(int left) {
    net::ClientRequest req;
    req.method = "POST";
    req.target = "/v1/chat/completions";
    req.headers.add("Content-Type", "application/json");
    req.headers.add("Authorization", "Bearer bench");
    req.body = R"({"model":"bench-model","stream":true,"messages":[{"role":"user","content":"hi"}]})";
    const auto start = net::now_ns();
    auto first = std::make_shared<std::int64_t>(0);
    client_.fetch(url_, std::move(req),
                  {nullptr,
                   [this, first](std::string_view piece, std::int64_t at, std::function<void()> more) {
                     if (*first == 0) *first = at;
                     result_.bytes += piece.size();
                     ++result_.pieces;
                     more();
                   },
                   [this, start, first, left](const net::Error& err, const net::FetchTimings&) {
                     if (err || *first == 0) {
                       ++result_.errors;
                     } else {
                       result_.ttft_ms.push_back(static_cast<double>(*first - start) / 1e6);
                     }
                     if (left > 1) return request(left - 1);
                     if (--workers_left_ == 0) done_->set_value();
                   }});
  }

  net::EventLoop& loop_;
  net::Client& client_;
  net::Url url_;
  RunResult result_;
  int workers_left_ = 0;
  std::promise<void>* done_ = nullptr;
  std::vector<std::shared_ptr<net::Timer>> timers_;
};

void add(RunResult& into, const RunResult& r) {
  into.ttft_ms.insert(into.ttft_ms.end(), r.ttft_ms.begin(), r.ttft_ms.end());
  into.bytes += r.bytes;
  into.pieces += r.pieces;
  into.cpu_s += r.cpu_s;
  into.seconds += r.seconds;
  into.errors += r.errors;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

int per_worker_for(const Config& cfg, int level) {
  if (cfg.requests > 0) return cfg.requests;
  return level == 1 ? 160 : level <= 64 ? 12 : 4;
}

Config parse(int argc, char** argv) {
  Config cfg;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--chunks") cfg.chunks = std::stoi(value);
    if (flag == "--gap-ms") cfg.gap_ms = std::stod(value);
    if (flag == "--first-ms") cfg.first_ms = std::stod(value);
    if (flag == "--requests") cfg.requests = std::stoi(value);
    if (flag == "--rounds") cfg.rounds = std::max(1, std::stoi(value));
    if (flag == "--levels") {
      cfg.levels.clear();
      for (std::size_t pos = 0; pos < value.size();) {
        const auto comma = value.find(',', pos);
        cfg.levels.push_back(std::stoi(value.substr(pos, comma - pos)));
        pos = comma == std::string::npos ? value.size() : comma + 1;
      }
    }
  }
  return cfg;
}

}  // namespace

int main(int argc, char** argv) {
  const Config cfg = parse(argc, argv);
  net::EventLoop upstream_loop;
  net::Server upstream(upstream_loop, {}, [&cfg](std::shared_ptr<net::Exchange> ex) { stream_handler(cfg, ex); });
  upstream_loop.start();

  proxy::ProxyOptions options;
  options.default_route = proxy::Route{"", "bench", upstream.url(), ""};
  options.client.pool_per_origin = 4096;
  std::atomic<std::size_t> records{0};
  std::mutex diag_mutex;
  std::vector<double> diag_sent, diag_first;
  proxy::Proxy recording_proxy(options, [&](proxy::CallRecord r) {
    ++records;
    std::lock_guard lock(diag_mutex);
    diag_sent.push_back(r.request_sent_ms);
    diag_first.push_back(r.first_chunk_ms);
  });

  net::EventLoop client_loop;
  net::ClientOptions client_options;
  client_options.pool_per_origin = 4096;
  net::Client client(client_loop, client_options);
  client_loop.start();

  fmt::print(stderr, "agentrace {} | {} cores | upstream: {} SSE chunks of ~{} B, first after {} ms, then every {} ms\n",
             agentrace::core::version(), std::thread::hardware_concurrency(), cfg.chunks, sse_chunk(0).size(),
             cfg.first_ms, cfg.gap_ms);
  fmt::print("| streams | requests | TTFT direct p50 / p99 ms | TTFT proxy p50 / p99 ms | added p50 ms | added p99 ms "
             "| direct MB/s | proxy MB/s | ratio | errors |\n");
  fmt::print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  Load direct(client_loop, client, net::parse_url(upstream.url()));
  Load proxied(client_loop, client, net::parse_url(recording_proxy.url()));
  for (const int level : cfg.levels) {
    const int per = per_worker_for(cfg, level);
    const auto spread = std::chrono::nanoseconds(static_cast<std::int64_t>((cfg.first_ms + cfg.chunks * cfg.gap_ms) * 1e6));
    direct.run(level, 1, spread);  // warm-up: connections pooled on every hop
    proxied.run(level, 1, spread);
    // Direct and proxied runs alternate, so that drift in the machine hits both alike.
    RunResult d, p;
    for (int round = 0; round < cfg.rounds; ++round) {
      add(d, direct.run(level, std::max(1, per / cfg.rounds), spread));
      add(p, proxied.run(level, std::max(1, per / cfg.rounds), spread));
    }
    const double d50 = percentile(d.ttft_ms, 0.5), d99 = percentile(d.ttft_ms, 0.99);
    const double p50 = percentile(p.ttft_ms, 0.5), p99 = percentile(p.ttft_ms, 0.99);
    const double dmb = static_cast<double>(d.bytes) / d.seconds / 1e6;
    const double pmb = static_cast<double>(p.bytes) / p.seconds / 1e6;
    fmt::print("| {} | {} | {:.3f} / {:.3f} | {:.3f} / {:.3f} | {:+.3f} | {:+.3f} | {:.2f} | {:.2f} | {:.3f}x | {} |\n",
               level, d.ttft_ms.size(), d50, d99, p50, p99, p50 - d50, p99 - d99, dmb, pmb, pmb / dmb,
               d.errors + p.errors);
    std::fflush(stdout);
    {
      std::lock_guard lock(diag_mutex);
      fmt::print(stderr,
                 "  proxy side: request forwarded p50 {:.3f} ms p99 {:.3f} ms, first chunk p50 {:.3f} ms p99 {:.3f} ms;"
                 " process CPU {:.2f} s direct, {:.2f} s proxied: +{:.1f} us per relayed chunk\n",
                 percentile(diag_sent, 0.5), percentile(diag_sent, 0.99), percentile(diag_first, 0.5),
                 percentile(diag_first, 0.99), d.cpu_s, p.cpu_s,
                 (p.cpu_s - d.cpu_s) * 1e6 / static_cast<double>(std::max<std::uint64_t>(1, p.pieces)));
      diag_sent.clear();
      diag_first.clear();
    }
  }
  fmt::print(stderr, "proxy recorded {} calls\n", records.load());
  client_loop.call([&] { client.close_idle(); });
  recording_proxy.stop();
  upstream.close();
  return 0;
}
