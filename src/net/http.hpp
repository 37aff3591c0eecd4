#pragma once
// Plain HTTP types shared by the server and the client. No Boost here: everything
// outside src/net talks to the network through these structs, so the HTTP library stays
// hidden behind them.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agentrace::net {

struct Header {
  std::string name;
  std::string value;
};

// Ordered header list; name look-ups ignore case.
class Headers {
 public:
  const std::string* find(std::string_view name) const;
  void add(std::string name, std::string value);
  void set(std::string name, std::string value);  // replaces every header of that name
  std::size_t erase(std::string_view name);
  bool empty() const { return list_.empty(); }
  std::size_t size() const { return list_.size(); }
  auto begin() const { return list_.begin(); }
  auto end() const { return list_.end(); }

 private:
  std::vector<Header> list_;
};

bool iequals(std::string_view a, std::string_view b);
// Connection, Keep-Alive, Transfer-Encoding, TE, Trailer, Upgrade, Proxy-*: never forwarded.
bool is_hop_by_hop(std::string_view name);

struct RequestHead {
  std::string method = "GET";
  std::string target = "/";  // origin-form: path and query
  Headers headers;
  unsigned version = 11;  // 10 or 11
};

struct ResponseHead {
  int status = 200;
  std::string reason;  // empty: the standard phrase
  Headers headers;     // without Content-Length / Transfer-Encoding: see content_length
  std::optional<std::uint64_t> content_length;  // none: chunked (or close-delimited)
};

std::string_view status_reason(int status);

enum class ErrorKind {
  none,
  resolve,    // host name did not resolve
  connect,    // refused, unreachable, connect timeout
  tls,        // handshake or verification failed
  reset,      // connection reset or closed before the message ended
  stalled,    // no byte for the idle timeout
  timeout,    // the whole exchange took longer than its limit
  protocol,   // the peer broke HTTP framing
  cancelled,  // cancelled by us
  limit,      // a size limit was exceeded
};
std::string_view error_kind_name(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::none;
  std::string message;
  explicit operator bool() const { return kind != ErrorKind::none; }
};

// Where an upstream lives: http(s)://host:port plus a base path ("" or "/v1").
struct Url {
  bool tls = false;
  std::string host;  // without brackets for IPv6
  std::uint16_t port = 0;
  std::string base_path;
  // http+unix://: the Unix socket connections go to (host is then "localhost").
  std::string unix_path;
  std::string origin() const;  // "https://api.example.com:443", "http+unix://%2Frun%2Fllm.sock"
  std::string host_header() const;  // host, or host:port when not the scheme's default
};
// Accepts http://, https:// and http+unix:// URLs, the last with the socket's absolute path
// percent-encoded as its host (http+unix://%2Frun%2Fllm.sock/v1, as requests-unixsocket
// spells it); throws std::invalid_argument naming the fault.
Url parse_url(std::string_view text);

// Where a server listens: a TCP address (port 0 = pick one) or a Unix socket path.
struct ListenSpec {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string unix_path;  // when set, host and port are ignored
  // Each connection opens with one line before its requests: the token the relay in front
  // of an attempt sends (Exchange::connection_token); a connection without one is closed.
  bool token_line = false;
};
// "127.0.0.1:8080", ":0", "[::1]:0", or a path (contains '/'): the form of --listen flags.
ListenSpec parse_listen(std::string_view text);

// steady_clock nanoseconds; the same clock as core::mono_ns().
std::int64_t now_ns();

}  // namespace agentrace::net
