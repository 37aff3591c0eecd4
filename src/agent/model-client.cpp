#include "agent/model-client.hpp"

#include <future>
#include <stdexcept>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/version.hpp"
#include "net/client.hpp"
#include "wire/codec.hpp"

namespace agentrace::agent {
namespace {

constexpr std::size_t kErrorBodyCap = 2000;
// No byte for this long ends the call (a local server may think long before a byte).
constexpr std::chrono::seconds kIdleTimeout{600};

net::Url url_of(const std::string& base_url) {
  try {
    return net::parse_url(base_url);
  } catch (const std::invalid_argument& e) {
    throw core::UsageError(fmt::format("--base-url: {}", e.what()));
  }
}

bool retryable_status(int status) { return status == 408 || status == 429 || status >= 500; }

// Filled on the loop thread, read after `done`.
struct Exchange {
  std::unique_ptr<wire::StreamDecoder> decoder;
  int status = 0;
  std::string error_body;
  net::Error error;
  std::promise<void> done;
};

class HttpClient final : public ModelClient {
 public:
  explicit HttpClient(const Endpoint& e) : endpoint_(e), url_(url_of(e.base_url)), target_(request_target(e)) {
    loop_.start();
    client_ = std::make_unique<net::Client>(loop_);
  }
  ~HttpClient() override {
    client_.reset();
    loop_.stop();
  }

  CallOutcome call(const std::string& body, std::chrono::milliseconds timeout) override {
    auto x = std::make_shared<Exchange>();
    x->decoder = wire::make_stream_decoder(endpoint_.protocol);
    auto finished = x->done.get_future();
    client_->fetch(url_, request(body, timeout), callbacks(x));
    finished.wait();
    return outcome(*x);
  }

 private:
  net::ClientRequest request(const std::string& body, std::chrono::milliseconds timeout) const {
    net::ClientRequest r;
    r.method = "POST";
    r.target = target_;
    r.body = body;
    r.idle_timeout = kIdleTimeout;
    r.total_timeout = timeout;
    r.headers.add("Content-Type", "application/json");
    r.headers.add("Accept", "text/event-stream");
    r.headers.add("User-Agent", "agentrace-agent/" + core::version());
    for (const auto& [name, value] : wire::auth_headers(endpoint_.protocol, endpoint_.api_key)) r.headers.add(name, value);
    return r;
  }

  static net::FetchCallbacks callbacks(const std::shared_ptr<Exchange>& x) {
    net::FetchCallbacks cb;
    cb.on_head = [x](const net::ResponseHead& head, const net::FetchTimings&) { x->status = head.status; };
    cb.on_data = [x](std::string_view piece, std::int64_t, std::function<void()> more) {
      if (x->status / 100 == 2) {
        x->decoder->feed(piece);
      } else if (x->error_body.size() < kErrorBodyCap) {
        x->error_body.append(piece.substr(0, kErrorBodyCap - x->error_body.size()));
      }
      more();
    };
    cb.on_end = [x](const net::Error& e, const net::FetchTimings&) {
      x->error = e;
      x->done.set_value();
    };
    return cb;
  }

  static CallOutcome outcome(Exchange& x) {
    CallOutcome out;
    out.status = x.status;
    if (x.error) {
      const auto kind = net::error_kind_name(x.error.kind);
      out.error = x.status == 0 ? fmt::format("{} error: {}", kind, x.error.message)
                                : fmt::format("{} error after HTTP {}: {}", kind, x.status, x.error.message);
      out.retryable = x.error.kind != net::ErrorKind::timeout && x.error.kind != net::ErrorKind::cancelled;
      out.turn = x.decoder->turn();
      return out;
    }
    if (x.status / 100 != 2) {
      out.error = fmt::format("HTTP {}: {}", x.status, x.error_body);
      out.retryable = retryable_status(x.status);
      return out;
    }
    x.decoder->finish();
    out.turn = x.decoder->turn();
    if (out.turn.error) {
      out.error = fmt::format("stream error ({}): {}", out.turn.error->type, out.turn.error->message);
      out.retryable = true;
    }
    return out;
  }

  Endpoint endpoint_;
  net::Url url_;
  std::string target_;
  net::EventLoop loop_;
  std::unique_ptr<net::Client> client_;
};

}  // namespace

std::string request_target(const Endpoint& endpoint) {
  const std::string base = url_of(endpoint.base_url).base_path;
  // Anthropic's base URL has no /v1; the OpenAI one ends in it.
  const bool anthropic = endpoint.protocol == wire::Protocol::anthropic_messages;
  return base + (anthropic ? "/v1" : "") + std::string(wire::request_path(endpoint.protocol));
}

std::unique_ptr<ModelClient> make_http_client(const Endpoint& endpoint) {
  return std::make_unique<HttpClient>(endpoint);
}

}  // namespace agentrace::agent
