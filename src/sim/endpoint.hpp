#pragma once
// The simulated model endpoint: serves Chat Completions, Anthropic Messages and
// Responses (streaming or not) from scripts or a cassette, timed by a latency profile on
// the event loop's timers (never a sleep), plus GET /v1/models, HEAD / and GET /health.
// Every response carries `x-agentrace-simulated: 1`; a stream asked for with
// `x-agentrace-stamp` carries its first content's send time (docs/sim.md). GET /agentrace/stats
// tells responses in flight (now, at peak), connections and how late pieces went out.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/event-loop.hpp"
#include "net/http.hpp"
#include "proxy/cassette.hpp"
#include "sim/profile.hpp"
#include "sim/replay.hpp"
#include "sim/script.hpp"
#include "sim/stats.hpp"

namespace agentrace::net {
class Server;
}

namespace agentrace::sim {

struct EndpointOptions {
  net::ListenSpec listen;
  Profile profile;
  std::uint64_t seed = 0;
  std::vector<std::string> models{"sim"};  // listed by GET /v1/models
  ScriptBook scripts;
  std::optional<std::vector<proxy::CassetteCall>> cassette;  // set: replay instead of scripts
  ReplayPace replay_pace;
  std::function<void(const std::string&)> log;  // one line per request; empty: none
};

class Endpoint {
 public:
  Endpoint(net::EventLoop& loop, EndpointOptions options);
  // Serves each connection on one of these loops in turn (one loop a core).
  Endpoint(std::vector<net::EventLoop*> loops, EndpointOptions options);
  ~Endpoint();
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;

  std::string url() const;  // "http://127.0.0.1:PORT", or "http+unix://%2Fpath" for a socket
  void close();
  const Stats& stats() const;  // also served at GET /agentrace/stats

  struct State;

 private:
  std::shared_ptr<State> state_;
  std::unique_ptr<net::Server> server_;
};

}  // namespace agentrace::sim
