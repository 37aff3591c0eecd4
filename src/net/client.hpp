#pragma once
// HTTP/1.1 client (http and https) that hands the response body to a callback piece
// by piece as bytes arrive, and reads the next piece only when told to (so a relay
// never buffers a stream). Keep-alive connections are pooled per origin. TLS uses the
// system trust store (plus an optional CA file), verifies the peer and its host name,
// and sends SNI. Every callback runs on the loop thread.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "net/event-loop.hpp"
#include "net/http.hpp"

namespace agentrace::net {

// Steady-clock nanoseconds (now_ns()); 0 when the step did not happen. A pooled
// connection has no connect or TLS step (reused = true).
struct FetchTimings {
  std::int64_t start_ns = 0;         // fetch() called
  std::int64_t connected_ns = 0;     // TCP connect done
  std::int64_t tls_done_ns = 0;      // TLS handshake done
  std::int64_t request_sent_ns = 0;  // last request byte written
  std::int64_t first_byte_ns = 0;    // first response byte read
  std::int64_t headers_ns = 0;       // response head parsed
  std::int64_t last_byte_ns = 0;     // last response byte read
  bool reused = false;
};

struct ClientOptions {
  std::string ca_file;            // extra trusted CAs (PEM); the system store is always used
  bool use_system_store = true;
  bool verify_peer = true;
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::seconds pool_idle{30};  // pooled connections older than this are closed
  std::size_t pool_per_origin = 256;
  std::size_t read_size = 64 * 1024;
};

struct ClientRequest {
  std::string method = "GET";
  std::string target = "/";  // path and query, sent as is
  Headers headers;           // Host and Content-Length are added
  std::string body;
  // No byte from the server for this long -> ErrorKind::stalled (0 = no limit).
  std::chrono::milliseconds idle_timeout{0};
  // The whole exchange -> ErrorKind::timeout (0 = no limit).
  std::chrono::milliseconds total_timeout{0};
};

struct FetchCallbacks {
  std::function<void(const ResponseHead&, const FetchTimings&)> on_head;
  // One piece as read from the socket, with its read time; call more() to read on.
  std::function<void(std::string_view piece, std::int64_t at_ns, std::function<void()> more)>
      on_data;
  // Exactly once, last: no error = the whole body arrived.
  std::function<void(const Error&, const FetchTimings&)> on_end;
};

class Fetch {
 public:
  virtual ~Fetch() = default;
  virtual void cancel() = 0;  // on_end follows with ErrorKind::cancelled (unless already ended)
};

class Client {
 public:
  explicit Client(EventLoop& loop, ClientOptions options = {});
  ~Client();  // closes pooled connections; fetches in flight end with cancelled
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Connects to url's origin (its base_path is not used: request.target is sent as is).
  std::shared_ptr<Fetch> fetch(const Url& url, ClientRequest request, FetchCallbacks callbacks);
  void close_idle();

  struct State;

 private:
  EventLoop& loop_;
  std::shared_ptr<State> state_;
};

// Blocking convenience for tests and one-off calls (runs its own loop).
struct SimpleResponse {
  int status = 0;
  Headers headers;
  std::string body;
  Error error;
  FetchTimings timings;
  std::size_t pieces = 0;
};
SimpleResponse fetch_sync(const Url& url, ClientRequest request, ClientOptions options = {});

}  // namespace agentrace::net
