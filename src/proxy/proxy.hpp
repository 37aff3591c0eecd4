#pragma once
// The recording reverse proxy. An agent's base URL points at a route,
//   http://127.0.0.1:PORT/r/<route-id>        (plus whatever path the agent appends),
// or, on a listener with token_line, the connection's opening line names the route and
// paths are the agent's own (the sandbox's relay sends it). Route ids are secrets (the
// gateway's are 128 random bits): never recorded; an unknown one is a 404 that forwards
// and records nothing. The proxy forwards each call to the route's upstream base URL +
// that path, with the agent's dummy key replaced by the real one (x-api-key for Anthropic
// Messages, Authorization: Bearer otherwise), relays status, headers and body bytes
// unchanged, flushing every upstream read to the agent at once, and hands one CallRecord
// per call to the sink. Paths outside /r/ go to the default route when there is one; without one,
// the proxy answers `HEAD /`, `GET /` and `GET /health` itself (200, no record: Claude Code
// probes the host root at start-up; also on a token connection) and 404 to anything else.
// The proxy runs its own event loop threads (ProxyOptions::threads); the sink is called on
// the thread of the call, once per finished call (keep it quick: every call of that loop
// waits while it runs; proxy::SinkThread takes the work off). Calls cut by stop() are not
// recorded.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/client.hpp"
#include "net/http.hpp"
#include "proxy/call-record.hpp"
#include "proxy/cassette.hpp"

namespace agentrace::proxy {

struct Route {
  std::string id;          // the /r/<id> path segment ("" only for the default route)
  std::string attempt_id;  // copied into every record of the route
  std::string upstream;    // base URL: "https://api.anthropic.com", "http://127.0.0.1:8000/v1"
  std::string key_env;     // variable holding the real key; "" = forward the agent's own headers
  // Set: each call that got a whole response is also handed here, on the proxy's thread, as
  // a cassette call (docs/sim.md): the response's status, headers and every piece's bytes
  // and time, keys removed. Unset: no byte is kept.
  std::function<void(proxy::CassetteCall)> cassette;
};

using RecordSink = std::function<void(CallRecord)>;

struct ProxyOptions {
  std::vector<net::ListenSpec> listen{net::ListenSpec{}};  // TCP 127.0.0.1:0 unless told
  std::optional<Route> default_route;
  // No upstream byte for this long -> the call is cut and classed "stalled".
  std::chrono::milliseconds stall_timeout{std::chrono::minutes(5)};
  std::chrono::milliseconds call_timeout{0};  // 0 = no limit
  // Ask upstreams for unencoded bodies (drops Accept-Encoding) so usage can be read.
  bool identity_encoding = true;
  net::ClientOptions client;
  // Event loops, each with its own upstream pool; connections go round them. Above 1 the
  // sink and cassette callbacks run on several threads at once.
  std::size_t threads = 1;
};

class Proxy {
 public:
  // Binds every listen address (throws naming the address), resolves the default route's
  // key, and starts serving on its own thread.
  Proxy(ProxyOptions options, RecordSink sink);
  ~Proxy();  // stop()
  Proxy(const Proxy&) = delete;
  Proxy& operator=(const Proxy&) = delete;

  std::string url() const;  // "http://127.0.0.1:PORT" of the first TCP listener ("" if none)
  std::string route_url(std::string_view route_id) const;  // url() + "/r/" + id
  std::uint16_t port() const;

  // Reads the key from route.key_env now (throws core::UsageError naming the variable if
  // unset) and keeps it only in memory. Replaces a route of the same id.
  void add_route(const Route& route);
  void remove_route(const std::string& id);

  std::size_t calls_in_flight() const;
  std::size_t calls_in_flight(const std::string& route_id) const;  // 0 for an unknown route
  std::size_t open_connections() const;  // client connections to the proxy
  void stop();  // closes listeners and connections; calls in flight are cut

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Replaces the agent's key headers with `key` in the protocol's header.
void inject_key(net::Headers& headers, std::string_view path, const std::string& key);

}  // namespace agentrace::proxy
