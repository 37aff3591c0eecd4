#include "speed/load.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <memory>

#include <fmt/format.h>

#include "net/client.hpp"
#include "net/event-loop.hpp"
#include "wire/codec.hpp"

namespace agentrace::speed {

std::size_t requests_per_rep(const Case& c, const LoadOptions& o) {
  if (o.requests > 0) return o.requests;
  if (c.open_loop()) return std::max<std::size_t>(10, static_cast<std::size_t>(std::llround(c.rate * 10)));
  return static_cast<std::size_t>(std::max(4, c.concurrency));
}

namespace {

constexpr std::string_view kStamp = ": agentrace-sent-ns ";

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

ErrorClass class_of(net::ErrorKind kind) {
  switch (kind) {
    case net::ErrorKind::resolve:
    case net::ErrorKind::connect:
    case net::ErrorKind::tls: return ErrorClass::connect;
    case net::ErrorKind::stalled:
    case net::ErrorKind::timeout: return ErrorClass::timeout;
    default: return ErrorClass::stream;
  }
}

std::string status_hint(int status) {
  if (status == 401 || status == 403) return ": check --api-key-env (the key is missing or refused)";
  if (status == 404 || status == 405 || status == 501) return ": check --url and --protocol (no such API there)";
  return "";
}

// One request on its way: the sample it fills and the stream decoder.
struct Request {
  Sample s;
  std::unique_ptr<wire::StreamDecoder> decoder;
  std::string body;  // non-streaming body, or an error body (first 4 KiB)
  std::string content_type;
  bool look_for_stamp = false;
};

class Runner {
 public:
  Runner(net::EventLoop& loop, const Target& target, const LoadOptions& options, LoadResult& result,
         std::function<void(const Progress&)> progress, std::size_t total)
      : loop_(loop), target_(target), options_(options), result_(result), progress_(std::move(progress)),
        total_(total), client_(loop, client_options()) {
    url_path_ = target.url.base_path + std::string(wire::request_path(target.request.protocol));
    headers_ = request_headers(target.request.protocol, target.api_key);
    headers_.add("x-agentrace-stamp", "1");
  }

  void start(const std::vector<Case>& cases, std::function<void()> done) {
    cases_ = cases;
    done_ = std::move(done);
    run_start_ns_ = net::now_ns();
    tick_lag(run_start_ns_);
    next_case();
  }

 private:
  static net::ClientOptions client_options() {
    net::ClientOptions o;
    o.pool_per_origin = 1'000'000;  // every stream in flight keeps its connection for the next
    o.read_size = 8 * 1024;  // per connection (a stream chunk is < 1 KiB): 64 KiB x thousands of streams is page-zeroing time
    return o;
  }

  void tick_lag(std::int64_t due_ns) {
    constexpr std::int64_t kPeriod = 10'000'000;
    lag_timer_ = loop_.after(std::chrono::nanoseconds(kPeriod), [this, due = due_ns + kPeriod] {
      const std::int64_t now = net::now_ns();
      result_.self.lag_ms.push_back(static_cast<double>(now - due) / 1e6);
      tick_lag(now);
    });
  }

  void next_case() {
    if (case_index_ == cases_.size() || !result_.aborted.empty()) return finish_run();
    result_.cases.push_back(CaseRun{cases_[case_index_], {}, {}});
    rep_ = options_.warmup > 0 ? -1 : 0;
    start_rep();
  }

  void start_rep() {
    const Case& c = cases_[case_index_];
    rep_requests_ = rep_ < 0 ? options_.warmup : requests_per_rep(c, options_);
    sent_ = finished_ = 0;
    rep_ok_ = false;
    rep_start_ns_ = net::now_ns();
    if (c.open_loop() && rep_ >= 0) {
      offsets_ = arrival_offsets(c.rate, options_.arrival, rep_requests_,
                                 options_.seed ^ (case_index_ * 1000003ULL + static_cast<std::uint64_t>(rep_)));
      return arrive();
    }
    ramp_up();
  }

  // Closed loop: starts requests up to the concurrency a few at a time, so that thousands
  // of connects do not hold the loop while earlier streams are already answering.
  void ramp_up() {
    const std::size_t width = static_cast<std::size_t>(std::max(1, cases_[case_index_].concurrency));
    for (int batch = 0; batch < 16; ++batch) {
      if (sent_ == rep_requests_ || in_flight_ >= width) return;
      launch(net::now_ns());
    }
    loop_.post([this, rep = rep_, index = case_index_] {
      if (rep == rep_ && index == case_index_) ramp_up();
    });
  }

  // Open loop: sends (or queues) every request that is due, then waits for the next.
  void arrive() {
    const std::int64_t now = net::now_ns();
    const std::size_t cap = static_cast<std::size_t>(cases_[case_index_].concurrency);
    while (sent_ + queue_.size() < rep_requests_) {
      const std::int64_t due = rep_start_ns_ + offsets_[sent_ + queue_.size()];
      if (due > now) {
        arrival_timer_ = loop_.after(std::chrono::nanoseconds(due - now), [this] { arrive(); });
        return;
      }
      if (cap == 0 || in_flight_ < cap) {
        launch(due);
      } else {
        queue_.push_back(due);
      }
    }
  }

  void launch(std::int64_t scheduled_ns) {
    const Case& c = cases_[case_index_];
    auto r = std::make_shared<Request>();
    r->s.case_index = case_index_;
    r->s.rep = rep_;
    r->s.sequence = sequence_++;
    r->s.scheduled_ns = scheduled_ns;
    if (target_.request.stream) r->decoder = wire::make_stream_decoder(target_.request.protocol);
    const std::uint64_t prompt_id = (case_index_ << 32) ^ r->s.sequence;
    net::ClientRequest req{.method = "POST", .target = url_path_, .headers = headers_,
                           .body = request_body(target_.request, build_prompt(options_.prompt, c.prompt_tokens, prompt_id),
                                                c.output_tokens),
                           .idle_timeout = target_.idle_timeout, .total_timeout = target_.timeout};
    ++sent_;
    ++in_flight_;
    r->s.sent_ns = net::now_ns();
    client_.fetch(target_.url, std::move(req),
                  {.on_head = [this, r](const net::ResponseHead& head, const net::FetchTimings&) { on_head(*r, head); },
                   .on_data = [this, r](std::string_view piece, std::int64_t at, std::function<void()> more) {
                     on_data(*r, piece, at);
                     more();
                   },
                   .on_end = [this, r](const net::Error& err, const net::FetchTimings& t) { on_end(*r, err, t); }});
  }

  void on_head(Request& r, const net::ResponseHead& head) {
    r.s.status = head.status;
    if (const auto* sim = head.headers.find("x-agentrace-simulated"); sim && *sim == "1") {
      result_.simulated = true;
      r.look_for_stamp = r.decoder != nullptr;
    }
    if (const auto* server = head.headers.find("server"); server && result_.server.empty()) result_.server = *server;
    if (const auto* type = head.headers.find("content-type")) r.content_type = *type;
  }

  void on_data(Request& r, std::string_view piece, std::int64_t at) {
    if (r.s.status >= 300 || !r.decoder) {
      if (r.body.size() < (r.decoder ? 4096U : 64U << 20)) r.body.append(piece);
      return;
    }
    if (r.look_for_stamp) read_stamp(r, piece);
    for (const auto& ev : r.decoder->feed(piece)) take_event(r, ev, at);
  }

  static void read_stamp(Request& r, std::string_view piece) {
    const auto at = piece.find(kStamp);
    if (at == std::string_view::npos) return;
    char* end = nullptr;
    r.s.sim_sent_ns = std::strtoll(piece.data() + at + kStamp.size(), &end, 10);
    constexpr std::string_view received = " received-ns ";
    if (std::string_view(end, received.size()) == received) r.s.sim_received_ns = std::strtoll(end + received.size(), nullptr, 10);
    r.look_for_stamp = false;
  }

  static void take_event(Request& r, const wire::StreamEvent& ev, std::int64_t at) {
    if (r.s.first_chunk_ns == 0) r.s.first_chunk_ns = at;
    switch (ev.kind) {
      case wire::EventKind::content_started:
        r.s.first_content_ns = at;
        break;
      case wire::EventKind::usage:
        if (ev.usage.input) r.s.input_tokens = ev.usage.input;
        if (ev.usage.output) r.s.usage_output_tokens = ev.usage.output;
        break;
      case wire::EventKind::server_timings:
        r.s.server_prompt_ms = ev.timings.prompt_ms;
        r.s.server_predicted_ms = ev.timings.predicted_ms;
        break;
      case wire::EventKind::error:
        fail(r, ErrorClass::stream, fmt::format("{}: {}", ev.error.type, ev.error.message));
        break;
      default:
        if (ev.content_bytes > 0) {
          r.s.chunk_ns.push_back(at);
          r.s.chunk_bytes.push_back(static_cast<std::int64_t>(ev.content_bytes));
        }
    }
  }

  static void fail(Request& r, ErrorClass e, std::string detail) {
    if (r.s.error != ErrorClass::none) return;
    r.s.error = e;
    r.s.error_detail = std::move(detail);
  }

  void on_end(Request& r, const net::Error& err, const net::FetchTimings& t) {
    r.s.first_byte_ns = t.first_byte_ns;
    r.s.request_sent_ns = t.request_sent_ns;
    r.s.end_ns = t.last_byte_ns ? t.last_byte_ns : net::now_ns();
    if (err) {
      fail(r, class_of(err.kind), err.message.empty() ? std::string(net::error_kind_name(err.kind)) : err.message);
    } else if (r.s.status >= 300) {
      const wire::AssistantTurn turn = wire::decode_response(target_.request.protocol, r.body);
      const std::string said = turn.error ? turn.error->message : r.body.substr(0, 200);
      fail(r, ErrorClass::status, fmt::format("HTTP {}{} ({})", r.s.status, status_hint(r.s.status), said));
    } else {
      finish_body(r);
    }
    count_tokens(r);
    done(std::move(r.s));
  }

  void finish_body(Request& r) {
    const std::string_view protocol = wire::protocol_name(target_.request.protocol);
    if (!r.decoder) {
      const wire::AssistantTurn turn = wire::decode_response(target_.request.protocol, r.body);
      if (turn.error) return fail(r, ErrorClass::stream, fmt::format("{}: {}", turn.error->type, turn.error->message));
      if (turn.text.empty() && turn.reasoning.empty() && turn.tool_calls.empty() && turn.usage.empty()) {
        return fail(r, ErrorClass::stream, fmt::format("the response is not a {} response: check --protocol", protocol));
      }
      r.s.first_chunk_ns = r.s.first_content_ns = r.s.end_ns;
      r.s.input_tokens = turn.usage.input;
      r.s.usage_output_tokens = turn.usage.output;
      r.s.chunk_ns.push_back(r.s.end_ns);
      r.s.chunk_bytes.push_back(static_cast<std::int64_t>(turn.text.size() + turn.reasoning.size()));
      if (turn.timings) {
        r.s.server_prompt_ms = turn.timings->prompt_ms;
        r.s.server_predicted_ms = turn.timings->predicted_ms;
      }
      return;
    }
    if (r.s.first_chunk_ns == 0) {
      fail(r, ErrorClass::stream,
           fmt::format("no {} stream event in the response (content-type '{}'): check --protocol", protocol, r.content_type));
    }
    for (const auto& ev : r.decoder->finish()) take_event(r, ev, r.s.end_ns);
  }

  void count_tokens(Request& r) const {
    std::int64_t bytes = 0;
    for (auto b : r.s.chunk_bytes) bytes += b;
    if (r.s.usage_output_tokens) {
      r.s.output_tokens = *r.s.usage_output_tokens;
      r.s.token_source = TokenSource::usage;
    } else if (options_.tokens_per_chunk) {
      r.s.output_tokens = std::llround(static_cast<double>(r.s.chunk_ns.size()) * *options_.tokens_per_chunk);
      r.s.token_source = TokenSource::chunks;
    } else {
      r.s.output_tokens = (bytes + 3) / 4;
      r.s.token_source = TokenSource::bytes;
    }
  }

  void done(Sample s) {
    --in_flight_;
    ++finished_;
    rep_ok_ = rep_ok_ || s.ok();
    if (rep_ >= 0) {
      ++progress_done_;
      result_.cases.back().samples.push_back(std::move(s));
      if (progress_) progress_({progress_done_, total_, net::now_ns() - run_start_ns_});
    }
    if (!queue_.empty()) {
      const std::int64_t due = queue_.front();
      queue_.pop_front();
      launch(due);
    } else if (!cases_[case_index_].open_loop() || rep_ < 0) {
      if (sent_ < rep_requests_) launch(net::now_ns());
    }
    if (finished_ == rep_requests_) end_rep();
  }

  void end_rep() {
    auto& run = result_.cases.back();
    if (rep_ >= 0) run.rep_ns.push_back(net::now_ns() - rep_start_ns_);
    if (!rep_ok_ && rep_ >= 0) {
      const auto& last = run.samples.back();
      result_.aborted = fmt::format("every request of a repetition failed ({}: {})", error_class_name(last.error),
                                    last.error_detail);
    }
    if (result_.aborted.empty() && ++rep_ < options_.reps) {
      // Deferred so that a fetch's callbacks unwind before the next repetition starts.
      return loop_.post([this] { start_rep(); });
    }
    ++case_index_;
    loop_.post([this] { next_case(); });
  }

  void finish_run() {
    if (lag_timer_) lag_timer_->cancel();
    if (arrival_timer_) arrival_timer_->cancel();
    done_();
  }

  net::EventLoop& loop_;
  const Target& target_;
  const LoadOptions& options_;
  LoadResult& result_;
  std::function<void(const Progress&)> progress_;
  std::size_t total_;
  std::vector<Case> cases_;
  net::Client client_;
  std::string url_path_;
  net::Headers headers_;
  std::function<void()> done_;
  std::int64_t run_start_ns_ = 0;
  std::shared_ptr<net::Timer> lag_timer_, arrival_timer_;
  std::size_t case_index_ = 0;
  int rep_ = 0;
  std::size_t rep_requests_ = 0, sent_ = 0, finished_ = 0, in_flight_ = 0, sequence_ = 0, progress_done_ = 0;
  bool rep_ok_ = false;
  std::int64_t rep_start_ns_ = 0;
  std::vector<std::int64_t> offsets_;
  std::deque<std::int64_t> queue_;
};

}  // namespace

LoadResult run_load(const Target& target, const std::vector<Case>& cases, const LoadOptions& options,
                    const std::function<void(const Progress&)>& progress) {
  LoadResult result;
  std::size_t total = 0;
  for (const auto& c : cases) total += requests_per_rep(c, options) * static_cast<std::size_t>(std::max(options.reps, 1));
  net::EventLoop loop;
  const double cpu0 = cpu_seconds();
  const std::int64_t t0 = net::now_ns();
  {
    Runner runner(loop, target, options, result, progress, total);
    loop.post([&] { runner.start(cases, [&loop] { loop.stop(); }); });
    loop.run();
  }
  result.self.cpu_s = cpu_seconds() - cpu0;
  result.self.wall_s = static_cast<double>(net::now_ns() - t0) / 1e9;
  return result;
}

}  // namespace agentrace::speed
