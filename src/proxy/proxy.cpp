#include "proxy/proxy.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "net/server.hpp"
#include "proxy/recorder.hpp"
#include "wire/request.hpp"

namespace agentrace::proxy {
namespace {

struct RouteState {
  Route route;
  net::Url upstream;
  std::string key;  // the real key: kept here only, never recorded or printed
  std::atomic<std::uint64_t> sequence{0};
  std::atomic<std::size_t> in_flight{0};
};

std::shared_ptr<RouteState> make_route_state(const Route& route) {
  auto state = std::make_shared<RouteState>();
  state->route = route;
  try {
    state->upstream = net::parse_url(route.upstream);
  } catch (const std::invalid_argument& e) {
    throw core::UsageError("route '" + route.id + "': " + e.what());
  }
  if (!route.key_env.empty()) {
    const char* key = std::getenv(route.key_env.c_str());
    if (!key || !*key) {
      throw core::UsageError("environment variable " + route.key_env + " (the API key for route '" +
                             route.id + "') is not set");
    }
    state->key = key;
  }
  return state;
}

std::string json_error(std::string_view type, std::string_view message) {
  return nlohmann::json{{"error", {{"type", type}, {"message", message}}}}.dump();
}

// "/r/<id>/rest?q" -> {id, "/rest?q"}
std::optional<std::pair<std::string, std::string>> split_route(const std::string& target) {
  if (!target.starts_with("/r/")) return std::nullopt;
  const auto rest = std::string_view(target).substr(3);
  const auto end = rest.find_first_of("/?");
  std::string id(rest.substr(0, end));
  std::string tail = end == std::string_view::npos ? "/" : std::string(rest.substr(end));
  if (tail.starts_with('?')) tail.insert(0, "/");
  return std::make_pair(std::move(id), std::move(tail));
}

net::Headers forward_headers(const net::RequestHead& req, const RouteState& route,
                             const ProxyOptions& options, const std::string& path) {
  net::Headers out;
  for (const auto& h : req.headers) {
    if (net::is_hop_by_hop(h.name) || net::iequals(h.name, "host") ||
        net::iequals(h.name, "content-length") || net::iequals(h.name, "expect")) {
      continue;
    }
    if (options.identity_encoding && net::iequals(h.name, "accept-encoding")) continue;
    out.add(h.name, h.value);
  }
  if (!route.key.empty()) inject_key(out, path, route.key);
  return out;
}

// Key values a cassette must not hold: the route's real key and the agent's own. Shorter
// values (a dummy "x") are not searched for in the bytes; their headers are dropped anyway.
std::vector<std::string> secrets_of(const net::RequestHead& req, const RouteState& route) {
  std::vector<std::string> keys{route.key};
  for (const auto& h : req.headers) {
    if (!net::iequals(h.name, "authorization") && !net::iequals(h.name, "x-api-key") && !net::iequals(h.name, "api-key")) {
      continue;
    }
    std::string_view value = h.value;
    if (value.size() > 7 && net::iequals(value.substr(0, 7), "bearer ")) value.remove_prefix(7);
    keys.emplace_back(value);
  }
  std::erase_if(keys, [](const std::string& k) { return k.size() < 8; });
  return keys;
}

void redact(std::string& text, const std::vector<std::string>& secrets) {
  static constexpr std::string_view mark = "[redacted]";
  for (const auto& secret : secrets) {
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + mark.size())) {
      text.replace(at, secret.size(), mark);
    }
  }
}

// Response headers as a cassette keeps them: no hop-by-hop, cookie or key headers, none
// whose value holds a key; Content-Length kept so a replay sends one too.
std::vector<std::pair<std::string, std::string>> tape_headers(const net::ResponseHead& head,
                                                              const std::vector<std::string>& secrets) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& h : head.headers) {
    const bool private_header = net::is_hop_by_hop(h.name) || net::iequals(h.name, "set-cookie") ||
                                net::iequals(h.name, "authorization") || net::iequals(h.name, "x-api-key") ||
                                net::iequals(h.name, "api-key");
    const bool holds_key = std::any_of(secrets.begin(), secrets.end(),
                                       [&](const std::string& k) { return h.value.find(k) != std::string::npos; });
    if (!private_header && !holds_key) out.emplace_back(h.name, h.value);
  }
  if (head.content_length) out.emplace_back("Content-Length", std::to_string(*head.content_length));
  return out;
}

// An unknown or closed route: nothing is forwarded, recorded or counted.
void refuse(net::Exchange& ex) {
  net::respond(ex, 404, json_error("agentrace_unknown_route", "no open route here: a route is a secret of one "
                                   "running attempt and closes with it"), "application/json");
}

// The host root and /health, which agents probe at start-up (Claude Code: HEAD /):
// answered here, never forwarded or recorded.
bool answered_probe(net::Exchange& ex) {
  const auto& method = ex.request().method;
  const auto& target = ex.request().target;
  const auto path = std::string_view(target).substr(0, target.find('?'));
  if ((method == "HEAD" || method == "GET") && path == "/") {
    net::respond(ex, 200, "agentrace proxy: model routes are at /r/<route-id>/\n");
    return true;
  }
  if (method != "GET" || path != "/health") return false;
  net::respond(ex, 200, R"({"status":"ok"})", "application/json");
  return true;
}

int status_for(net::ErrorKind kind) {
  return kind == net::ErrorKind::stalled || kind == net::ErrorKind::timeout ? 504 : 502;
}

}  // namespace

void inject_key(net::Headers& headers, std::string_view path, const std::string& key) {
  const bool had_x = headers.erase("x-api-key") > 0;
  const bool had_bearer = headers.erase("authorization") > 0;
  const auto protocol = wire::detect_protocol(path);
  const bool anthropic = protocol == wire::Protocol::anthropic_messages || (!protocol && had_x && !had_bearer);
  if (anthropic) {
    headers.add("x-api-key", key);
  } else {
    headers.add("Authorization", "Bearer " + key);
  }
}

struct Proxy::Impl {
  Impl(ProxyOptions o, RecordSink s) : options(std::move(o)), sink(std::move(s)) {}
  ~Impl() { stop(); }

  std::shared_ptr<RouteState> find(const std::string& id) {
    std::lock_guard lock(routes_mutex);
    const auto it = routes.find(id);
    return it == routes.end() ? nullptr : it->second;
  }

  void handle(std::shared_ptr<net::Exchange> ex);

  void stop() {
    if (stopped) return;
    stopped = true;
    for (auto& s : servers) s->close();
    for (auto& w : workers) {
      w.loop->call([&w] { w.client.reset(); });
      w.loop->stop();
    }
  }

  // The upstream pool of the loop a call runs on: a call never leaves its loop.
  net::Client& client_for(const net::EventLoop& loop) {
    for (auto& w : workers) {
      if (w.loop.get() == &loop) return *w.client;
    }
    return *workers.front().client;
  }

  struct Worker {
    std::unique_ptr<net::EventLoop> loop;
    std::unique_ptr<net::Client> client;
  };

  ProxyOptions options;
  RecordSink sink;
  std::vector<Worker> workers;
  std::vector<std::unique_ptr<net::Server>> servers;
  std::mutex routes_mutex;
  std::unordered_map<std::string, std::shared_ptr<RouteState>> routes;
  std::shared_ptr<RouteState> default_route;
  std::shared_ptr<std::atomic<std::size_t>> in_flight = std::make_shared<std::atomic<std::size_t>>(0);
  bool stopped = false;
};

namespace {

// One call: read the request, forward it, relay the response, record, hand to the sink.
class Call : public std::enable_shared_from_this<Call> {
 public:
  Call(Proxy::Impl& proxy, std::shared_ptr<net::Exchange> ex, std::shared_ptr<RouteState> route,
       const std::string& tail)
      : p_(proxy),
        ex_(std::move(ex)),
        route_(std::move(route)),
        target_(route_->upstream.base_path + tail),
        rec_(ex_->received_ns(), ex_->request().method, target_),
        in_flight_(p_.in_flight) {
    ++*in_flight_;
    ++route_->in_flight;
    rec_.record().sequence = route_->sequence++;
  }
  ~Call() {
    --route_->in_flight;
    --*in_flight_;
  }

  void start() {
    auto self = shared_from_this();
    ex_->on_client_gone([self] { self->client_gone(); });
    ex_->read_all([self](std::string body, const net::Error& err) { self->on_request(std::move(body), err); });
  }

 private:
  void on_request(std::string body, const net::Error& err) {
    if (err) {
      if (err.kind == net::ErrorKind::limit) return net::respond(*ex_, 413, json_error("agentrace_proxy", err.message), "application/json");
      return ex_->abort();  // the client left while sending: nothing went upstream
    }
    net::ClientRequest req;
    req.method = ex_->request().method;
    req.target = target_;
    req.headers = forward_headers(ex_->request(), *route_, p_.options, target_);
    req.body = body;
    req.idle_timeout = p_.options.stall_timeout;
    req.total_timeout = p_.options.call_timeout;
    auto self = shared_from_this();
    if (route_->route.cassette) {
      tape_ = std::make_unique<proxy::CassetteCall>();
      secrets_ = secrets_of(ex_->request(), *route_);
    }
    fetch_ = p_.client_for(ex_->loop()).fetch(route_->upstream, std::move(req),
                              {[self](const net::ResponseHead& h, const net::FetchTimings& t) { self->on_head(h, t); },
                               [self](std::string_view piece, std::int64_t at, std::function<void()> more) {
                                 self->on_data(piece, at, std::move(more));
                               },
                               [self](const net::Error& e, const net::FetchTimings& t) { self->on_end(e, t); }});
    rec_.request(body);  // parsed while the request is on its way
  }

  void on_head(const net::ResponseHead& head, const net::FetchTimings& t) {
    rec_.response_head(head.status, head.headers.find("content-type"));
    if (!gone_) {
      head_sent_ = true;
      ex_->write_head(head);
    }
    if (tape_) {
      tape_->status = head.status;
      tape_->head_ns = t.headers_ns > 0 ? t.headers_ns : net::now_ns();
      tape_->headers = tape_headers(head, secrets_);
    }
  }

  void on_data(std::string_view piece, std::int64_t at, std::function<void()> more) {
    ex_->write_body(std::string(piece), [self = shared_from_this(), more = std::move(more)](const net::Error& e) {
      if (e) return self->client_gone();
      more();
    });
    rec_.piece(piece, at);  // decoded and kept after the bytes went out
    if (tape_) tape_->chunks.push_back({at, std::string(piece)});
  }

  void on_end(const net::Error& err, const net::FetchTimings& t) {
    fetch_.reset();
    upstream_error_ = err;
    timings_ = t;
    if (gone_) return done(net::now_ns());
    if (!err) {
      finishing_ = true;  // every byte is handed over: a client closing now has it all
      ex_->finish([self = shared_from_this()](const net::Error& e) {
        if (e) self->gone_ = true;
        self->done(net::now_ns());
      });
      return;
    }
    if (head_sent_) {
      ex_->abort();  // an upstream cut mid-response reaches the client as a cut connection
    } else {
      const auto type = "agentrace_upstream_" + std::string(net::error_kind_name(err.kind));
      net::respond(*ex_, status_for(err.kind), json_error(type, err.message), "application/json");
    }
    done(net::now_ns());
  }

  void client_gone() {
    if (gone_ || recorded_ || finishing_) return;
    gone_ = true;
    if (fetch_) fetch_->cancel();
  }

  void done(std::int64_t end_ns) {
    if (recorded_) return;
    recorded_ = true;
    rec_.finish(upstream_error_, gone_, timings_, end_ns);
    auto& r = rec_.record();
    r.attempt_id = route_->route.attempt_id;
    if (tape_ && !gone_ && !upstream_error_) safely([&] { route_->route.cassette(take_tape(r)); });
    if (p_.sink) safely([&] { p_.sink(std::move(r)); });
  }

  template <class F>
  static void safely(F&& f) {  // a failing sink must not take the proxy down
    try {
      f();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "agentrace proxy: recording a call failed: %s\n", e.what());
    }
  }

  // Times become offsets from the request's last byte going upstream: when a replaying
  // endpoint starts its clock.
  proxy::CassetteCall take_tape(const CallRecord& r) {
    auto& t = *tape_;
    const std::int64_t base = timings_.request_sent_ns > 0 ? timings_.request_sent_ns : r.start_mono_ns;
    t.match = rec_.first_user_text();
    redact(t.match, secrets_);
    t.conversation = "u-" + core::sha256_hex(t.match).substr(0, 12);
    t.protocol = r.protocol;
    t.method = r.method;
    t.path = r.path;
    t.model = r.model;
    t.head_ns = std::max<std::int64_t>(0, t.head_ns - base);
    for (auto& chunk : t.chunks) {
      chunk.offset_ns = std::max<std::int64_t>(0, chunk.offset_ns - base);
      redact(chunk.data, secrets_);
    }
    return std::move(t);
  }

  Proxy::Impl& p_;
  std::shared_ptr<net::Exchange> ex_;
  std::shared_ptr<RouteState> route_;
  std::string target_;
  Recorder rec_;
  std::shared_ptr<std::atomic<std::size_t>> in_flight_;
  std::shared_ptr<net::Fetch> fetch_;
  std::unique_ptr<proxy::CassetteCall> tape_;  // only for a route with a cassette
  std::vector<std::string> secrets_;
  net::Error upstream_error_;
  net::FetchTimings timings_;
  bool head_sent_ = false, gone_ = false, finishing_ = false, recorded_ = false;
};

}  // namespace

void Proxy::Impl::handle(std::shared_ptr<net::Exchange> ex) {
  const auto& target = ex->request().target;
  std::shared_ptr<RouteState> route = default_route;
  std::string tail = target;
  if (const auto& token = ex->connection_token(); !token.empty()) {
    route = find(token);  // the relay in front of an attempt named the route; paths are the agent's own
    if (!route) return refuse(*ex);
    if (answered_probe(*ex)) return;
  } else if (auto split = split_route(target)) {
    route = find(split->first);
    tail = std::move(split->second);
    if (!route) return refuse(*ex);
  }
  if (!route) {
    if (answered_probe(*ex)) return;
    return net::respond(*ex, 404, json_error("agentrace_unknown_route", "paths must start with /r/<route-id>/"),
                        "application/json");
  }
  std::make_shared<Call>(*this, std::move(ex), std::move(route), tail)->start();
}

Proxy::Proxy(ProxyOptions options, RecordSink sink)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(sink))) {
  auto& p = *impl_;
  if (p.options.default_route) p.default_route = make_route_state(*p.options.default_route);
  std::vector<net::EventLoop*> loops;
  for (std::size_t i = 0; i < std::max<std::size_t>(1, p.options.threads); ++i) {
    auto loop = std::make_unique<net::EventLoop>();
    auto client = std::make_unique<net::Client>(*loop, p.options.client);
    loops.push_back(loop.get());
    p.workers.push_back({std::move(loop), std::move(client)});
  }
  for (const auto& spec : p.options.listen) {
    p.servers.push_back(std::make_unique<net::Server>(
        loops, spec, [impl = impl_.get()](std::shared_ptr<net::Exchange> ex) { impl->handle(std::move(ex)); }));
  }
  for (auto* loop : loops) loop->start();
}

Proxy::~Proxy() = default;

void Proxy::stop() { impl_->stop(); }

std::string Proxy::url() const {
  for (const auto& s : impl_->servers) {
    if (s->listen().unix_path.empty()) return s->url();
  }
  return {};
}

std::string Proxy::route_url(std::string_view route_id) const { return url() + "/r/" + std::string(route_id); }

std::uint16_t Proxy::port() const {
  for (const auto& s : impl_->servers) {
    if (s->listen().unix_path.empty()) return s->port();
  }
  return 0;
}

void Proxy::add_route(const Route& route) {
  auto state = make_route_state(route);
  std::lock_guard lock(impl_->routes_mutex);
  impl_->routes[route.id] = std::move(state);
}

void Proxy::remove_route(const std::string& id) {
  std::lock_guard lock(impl_->routes_mutex);
  impl_->routes.erase(id);
}

std::size_t Proxy::calls_in_flight() const { return *impl_->in_flight; }

std::size_t Proxy::calls_in_flight(const std::string& route_id) const {
  std::lock_guard lock(impl_->routes_mutex);
  const auto it = impl_->routes.find(route_id);
  return it == impl_->routes.end() ? 0 : it->second->in_flight.load();
}

std::size_t Proxy::open_connections() const {
  std::size_t n = 0;
  for (const auto& s : impl_->servers) n += s->open_connections();
  return n;
}

}  // namespace agentrace::proxy
