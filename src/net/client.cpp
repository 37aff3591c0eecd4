#include "net/client.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <limits>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl.hpp>

#include "net/beast.hpp"

namespace agentrace::net {

namespace ssl = boost::asio::ssl;

namespace {

using error_code = boost::system::error_code;

bool is_ip_literal(const std::string& host) {
  error_code ec;
  (void)asio::ip::make_address(host, ec);
  return !ec;
}

// One connection to an origin, plain TCP, TLS or a Unix socket, with its read buffer.
struct Conn {
  enum class Kind { plain, tls, local };
  Conn(asio::io_context& io, Kind kind, ssl::context* tls_ctx, std::string origin_key, std::size_t read_size)
      // Not zeroed: a read fills what it uses, and zeroing 64 KiB per connection faulted
      // in every page of it (clear_page was 5% of the proxy bench's CPU).
      : key(std::move(origin_key)), body_buf(std::make_unique_for_overwrite<char[]>(read_size)), body_size(read_size) {
    if (kind == Kind::tls) {
      tls.emplace(io, *tls_ctx);
    } else if (kind == Kind::local) {
      local.emplace(io);
    } else {
      plain.emplace(io);
    }
  }
  ~Conn() { close(); }

  // The TCP socket (plain or under TLS); not for a Unix socket.
  tcp::socket& socket() { return tls ? tls->next_layer() : *plain; }
  // The stream requests and responses go through.
  template <class F>
  void visit(F&& f) {
    if (tls) {
      f(*tls);
    } else if (local) {
      f(*local);
    } else {
      f(*plain);
    }
  }
  // The socket itself, TCP or Unix.
  template <class F>
  void visit_socket(F&& f) {
    if (local) {
      f(*local);
    } else {
      f(socket());
    }
  }
  void close() {
    visit_socket([](auto& s) {
      error_code ec;
      s.shutdown(asio::socket_base::shutdown_both, ec);
      s.close(ec);
    });
  }
  // An idle pooled connection is usable unless the server closed it (or, for plain
  // HTTP, sent something unasked). TLS may carry session tickets: not a sign of death.
  bool usable() {
    bool open = false;
    int fd = -1;
    visit_socket([&](auto& s) {
      open = s.is_open();
      fd = open ? s.native_handle() : -1;
    });
    if (!open || buffer.size() != 0) return false;
    char c;
    const auto n = ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0) return false;
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
    return tls.has_value();
  }

  std::string key;
  std::optional<tcp::socket> plain;
  std::optional<ssl::stream<tcp::socket>> tls;
  std::optional<unix_socket::socket> local;
  beast::flat_buffer buffer;
  std::unique_ptr<char[]> body_buf;
  std::size_t body_size;
  std::int64_t idle_since = 0;
};

}  // namespace

struct Client::State {
  State(EventLoop& l, ClientOptions o) : loop(l), options(std::move(o)), resolver(io_of(l)) {}

  // Made on first use: loading the system trust store costs ~30 ms.
  ssl::context& tls() {
    if (!tls_ctx) {
      tls_ctx.emplace(ssl::context::tls_client);
      if (options.use_system_store) tls_ctx->set_default_verify_paths();
      if (!options.ca_file.empty()) tls_ctx->load_verify_file(options.ca_file);
    }
    return *tls_ctx;
  }

  std::unique_ptr<Conn> take(const std::string& key) {
    auto it = pool.find(key);
    if (it == pool.end()) return nullptr;
    auto& idle = it->second;
    const auto max_age = std::chrono::duration_cast<std::chrono::nanoseconds>(options.pool_idle).count();
    while (!idle.empty()) {
      auto conn = std::move(idle.back());
      idle.pop_back();
      if (now_ns() - conn->idle_since < max_age && conn->usable()) return conn;
    }
    return nullptr;
  }

  void give(std::unique_ptr<Conn> conn) {
    auto& idle = pool[conn->key];
    if (closed || idle.size() >= options.pool_per_origin || !conn->usable()) return;
    conn->idle_since = now_ns();
    idle.push_back(std::move(conn));
  }

  void clear_pool() { pool.clear(); }

  EventLoop& loop;
  ClientOptions options;
  std::optional<ssl::context> tls_ctx;
  tcp::resolver resolver;
  std::unordered_map<std::string, std::vector<std::unique_ptr<Conn>>> pool;
  std::unordered_set<Fetch*> live;
  bool closed = false;
};

namespace {

enum class Stage { connecting, sending, reading, waiting, done };

std::string format_request(const Url& url, const ClientRequest& req) {
  std::string out = req.method + " " + req.target + " HTTP/1.1\r\nHost: " + url.host_header() + "\r\n";
  for (const auto& h : req.headers) {
    if (is_hop_by_hop(h.name) || iequals(h.name, "host") || iequals(h.name, "content-length")) continue;
    out += h.name + ": " + h.value + "\r\n";
  }
  const bool has_body = !req.body.empty() || req.method == "POST" || req.method == "PUT" ||
                        req.method == "PATCH";
  if (has_body) out += "Content-Length: " + std::to_string(req.body.size()) + "\r\n";
  out += "\r\n";
  return out;
}

class FetchOp : public Fetch, public std::enable_shared_from_this<FetchOp> {
 public:
  FetchOp(std::shared_ptr<Client::State> st, Url url, ClientRequest req, FetchCallbacks cb)
      : st_(std::move(st)), url_(std::move(url)), req_(std::move(req)), cb_(std::move(cb)),
        timer_(io_of(st_->loop)) {
    st_->live.insert(this);
  }
  ~FetchOp() override { st_->live.erase(this); }

  void start() {
    t_.start_ns = last_activity_ = now_ns();
    head_bytes_ = format_request(url_, req_);
    if (st_->closed) return fail(ErrorKind::cancelled, "client closed");
    conn_ = st_->take(url_.origin());
    if (conn_) {
      t_.reused = true;
      return send();
    }
    connect();
  }

  void cancel() override {
    auto self = shared_from_this();
    auto run = [self] { self->expire(ErrorKind::cancelled, "cancelled"); };
    if (st_->loop.in_loop_thread()) return run();
    st_->loop.post(run);
  }

 private:
  void connect() {
    stage_ = Stage::connecting;
    const auto kind = !url_.unix_path.empty() ? Conn::Kind::local : url_.tls ? Conn::Kind::tls : Conn::Kind::plain;
    conn_ = std::make_unique<Conn>(io_of(st_->loop), kind, url_.tls ? &st_->tls() : nullptr, url_.origin(),
                                   st_->options.read_size);
    arm_timer();
    if (conn_->local) {
      conn_->local->async_connect(unix_socket::endpoint(url_.unix_path),
                                  [self = shared_from_this()](error_code ec) { self->on_connect(ec); });
      return;
    }
    if (is_ip_literal(url_.host)) {
      const tcp::endpoint ep(asio::ip::make_address(url_.host), url_.port);
      conn_->socket().async_connect(ep, [self = shared_from_this()](error_code ec) { self->on_connect(ec); });
      return;
    }
    st_->resolver.async_resolve(url_.host, std::to_string(url_.port),
                                [self = shared_from_this()](error_code ec, tcp::resolver::results_type r) {
                                  if (self->stage_ == Stage::done) return;
                                  if (self->expired_) return self->fail(*self->expired_, "connect timed out");
                                  if (ec) return self->fail(ErrorKind::resolve, self->url_.host + ": " + ec.message());
                                  asio::async_connect(self->conn_->socket(), r,
                                                      [self](error_code ec2, const tcp::endpoint&) {
                                                        self->on_connect(ec2);
                                                      });
                                });
  }

  void on_connect(error_code ec) {
    if (stage_ == Stage::done) return;
    if (ec) return fail(expired_or(ErrorKind::connect), url_.origin() + ": " + ec.message());
    t_.connected_ns = now_ns();
    if (!conn_->local) conn_->socket().set_option(tcp::no_delay(true), ec);
    if (!conn_->tls) return send();
    handshake();
  }

  void handshake() {
    SSL* h = conn_->tls->native_handle();
    if (st_->options.verify_peer) {
      conn_->tls->set_verify_mode(ssl::verify_peer);
      X509_VERIFY_PARAM* param = SSL_get0_param(h);
      if (is_ip_literal(url_.host)) {
        X509_VERIFY_PARAM_set1_ip_asc(param, url_.host.c_str());
      } else {
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        SSL_set1_host(h, url_.host.c_str());
      }
    } else {
      conn_->tls->set_verify_mode(ssl::verify_none);
    }
    if (!is_ip_literal(url_.host)) {
      SSL_ctrl(h, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(url_.host.c_str()));
    }
    conn_->tls->async_handshake(ssl::stream_base::client, [self = shared_from_this()](error_code ec) {
      self->on_handshake(ec);
    });
  }

  void on_handshake(error_code ec) {
    if (stage_ == Stage::done) return;
    if (ec) {
      std::string msg = url_.host + ": " + ec.message();
      const long verify = SSL_get_verify_result(conn_->tls->native_handle());
      if (verify != X509_V_OK) msg += " (" + std::string(X509_verify_cert_error_string(verify)) + ")";
      return fail(expired_or(ErrorKind::tls), msg);
    }
    t_.tls_done_ns = now_ns();
    send();
  }

  void send() {
    stage_ = Stage::sending;
    arm_timer();
    const std::array<asio::const_buffer, 2> bufs{asio::buffer(head_bytes_), asio::buffer(req_.body)};
    conn_->visit([&](auto& stream) {
      asio::async_write(stream, bufs, [self = shared_from_this()](error_code ec, std::size_t) {
        self->on_sent(ec);
      });
    });
  }

  void on_sent(error_code ec) {
    if (stage_ == Stage::done) return;
    if (ec) return retry_or_fail(ec);
    t_.request_sent_ns = last_activity_ = now_ns();
    stage_ = Stage::reading;
    arm_timer();
    parser_.emplace();
    parser_->header_limit(256 * 1024);
    parser_->body_limit(boost::none);
    if (req_.method == "HEAD") parser_->skip(true);
    // One raw read first, so the first response byte gets its own time stamp.
    conn_->visit([&](auto& stream) {
      stream.async_read_some(conn_->buffer.prepare(st_->options.read_size),
                             [self = shared_from_this()](error_code ec2, std::size_t n) {
                               self->on_first_bytes(ec2, n);
                             });
    });
  }

  void on_first_bytes(error_code ec, std::size_t n) {
    if (stage_ == Stage::done) return;
    if (ec) return retry_or_fail(ec);
    conn_->buffer.commit(n);
    t_.first_byte_ns = last_activity_ = now_ns();
    conn_->visit([&](auto& stream) {
      http::async_read_header(stream, conn_->buffer, *parser_,
                              [self = shared_from_this()](error_code ec2, std::size_t) {
                                self->on_header(ec2);
                              });
    });
  }

  void on_header(error_code ec) {
    if (stage_ == Stage::done) return;
    if (ec) return fail_read(ec);
    t_.headers_ns = last_activity_ = now_ns();
    const auto& msg = parser_->get();
    ResponseHead head;
    head.status = static_cast<int>(msg.result_int());
    head.reason = std::string(msg.reason());
    head.headers = plain_headers(msg);
    if (!parser_->chunked()) {
      if (const auto cl = msg.find(http::field::content_length); cl != msg.end()) {
        head.content_length = std::stoull(std::string(cl->value()));
      }
    }
    if (cb_.on_head) cb_.on_head(head, t_);
    if (stage_ == Stage::done) return;
    if (parser_->is_done()) return complete();
    read_body();
  }

  void read_body() {
    stage_ = Stage::reading;
    auto& body = parser_->get().body();
    body.data = conn_->body_buf.get();
    body.size = conn_->body_size;
    conn_->visit([&](auto& stream) {
      http::async_read_some(stream, conn_->buffer, *parser_,
                            [self = shared_from_this()](error_code ec, std::size_t) { self->on_body(ec); });
    });
  }

  void on_body(error_code ec) {
    if (ec == http::error::need_buffer) ec = {};
    if (stage_ == Stage::done) return;
    if (ec) return fail_read(ec);
    const std::size_t got = conn_->body_size - parser_->get().body().size;
    const auto at = now_ns();
    t_.last_byte_ns = last_activity_ = at;
    if (got == 0) return parser_->is_done() ? complete() : read_body();
    stage_ = Stage::waiting;
    if (!cb_.on_data) return resume();
    cb_.on_data(std::string_view(conn_->body_buf.get(), got), at, [self = shared_from_this()] {
      if (self->st_->loop.in_loop_thread()) return self->resume();
      self->st_->loop.post([self] { self->resume(); });
    });
  }

  void resume() {
    if (stage_ != Stage::waiting) return;
    last_activity_ = now_ns();
    if (parser_->is_done()) return complete();
    read_body();
  }

  void complete() {
    if (t_.last_byte_ns == 0) t_.last_byte_ns = t_.headers_ns;
    const bool reuse = parser_->keep_alive();
    finish_stage();
    if (reuse) {
      st_->give(std::move(conn_));
    } else {
      conn_.reset();
    }
    end({});
  }

  void retry_or_fail(error_code ec) {
    // A pooled connection the server closed meanwhile: try once on a fresh one.
    if (t_.reused && !retried_ && !expired_ && t_.first_byte_ns == 0 && classify(ec) == ErrorKind::reset) {
      retried_ = true;
      t_.reused = false;
      conn_.reset();
      return connect();
    }
    fail_read(ec);
  }

  void fail_read(error_code ec) {
    fail(expired_or(classify(ec)), ec.message());
  }

  ErrorKind expired_or(ErrorKind kind) const { return expired_ ? *expired_ : kind; }

  void fail(ErrorKind kind, std::string message) {
    if (stage_ == Stage::done) return;
    finish_stage();
    conn_.reset();
    end(Error{kind, std::move(message)});
  }

  void finish_stage() {
    stage_ = Stage::done;
    if (armed_at_ != 0) timer_.cancel();
    armed_at_ = 0;
  }

  void end(const Error& err) {
    auto cb = std::move(cb_.on_end);
    cb_.on_end = nullptr;
    // The other callbacks may be running right now (cancel() from on_data): drop them later.
    asio::post(io_of(st_->loop), [self = shared_from_this()] { self->cb_ = {}; });
    if (cb) cb(err, t_);
  }

  // Closes the connection: the pending operation fails and reports `kind`.
  void expire(ErrorKind kind, const char* what) {
    if (stage_ == Stage::done) return;
    expired_ = kind;
    if (stage_ == Stage::waiting || !conn_) return fail(kind, what);
    conn_->close();
  }

  std::int64_t deadline(ErrorKind& kind) const {
    const auto ns = [](auto d) { return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count(); };
    std::int64_t at = std::numeric_limits<std::int64_t>::max();
    if (stage_ == Stage::connecting) {
      at = t_.start_ns + ns(st_->options.connect_timeout);
      kind = ErrorKind::connect;
    } else if (req_.idle_timeout.count() > 0 && stage_ != Stage::waiting) {
      at = last_activity_ + ns(req_.idle_timeout);
      kind = ErrorKind::stalled;
    }
    if (req_.total_timeout.count() > 0 && t_.start_ns + ns(req_.total_timeout) < at) {
      at = t_.start_ns + ns(req_.total_timeout);
      kind = ErrorKind::timeout;
    }
    return at;
  }

  // One timer per fetch, re-armed only when a deadline comes earlier than the armed one;
  // when it fires, on_timer() looks at the current deadline (activity pushes it later).
  void arm_timer() {
    ErrorKind kind = ErrorKind::none;
    auto at = deadline(kind);
    if (kind == ErrorKind::none) {
      if (stage_ != Stage::waiting || req_.idle_timeout.count() == 0) return;
      at = now_ns() + std::chrono::duration_cast<std::chrono::nanoseconds>(req_.idle_timeout).count();
    }
    if (armed_at_ != 0 && armed_at_ <= at) return;
    armed_at_ = at;
    timer_.expires_at(asio::steady_timer::time_point(std::chrono::nanoseconds(at)));
    timer_.async_wait([self = shared_from_this(), gen = ++timer_gen_](error_code ec) {
      if (ec || gen != self->timer_gen_ || self->stage_ == Stage::done) return;
      self->armed_at_ = 0;
      self->on_timer();
    });
  }

  void on_timer() {
    ErrorKind kind = ErrorKind::none;
    const auto at = deadline(kind);
    if (kind != ErrorKind::none && now_ns() >= at) {
      const char* what = kind == ErrorKind::connect ? "connect timed out"
                         : kind == ErrorKind::stalled ? "no byte from upstream within the idle timeout"
                                                      : "exchange timed out";
      return expire(kind, what);
    }
    arm_timer();
  }

  std::shared_ptr<Client::State> st_;
  Url url_;
  ClientRequest req_;
  FetchCallbacks cb_;
  asio::steady_timer timer_;
  std::uint64_t timer_gen_ = 0;
  std::int64_t armed_at_ = 0;  // when the armed timer fires (0: not armed)
  std::unique_ptr<Conn> conn_;
  std::optional<http::response_parser<http::buffer_body>> parser_;
  std::string head_bytes_;
  FetchTimings t_;
  std::int64_t last_activity_ = 0;
  Stage stage_ = Stage::connecting;
  std::optional<ErrorKind> expired_;
  bool retried_ = false;
};

}  // namespace

Client::Client(EventLoop& loop, ClientOptions options)
    : loop_(loop), state_(std::make_shared<State>(loop, std::move(options))) {}

Client::~Client() {
  loop_.call([s = state_] {
    s->closed = true;
    s->clear_pool();
    for (auto* f : std::vector<Fetch*>(s->live.begin(), s->live.end())) f->cancel();
  });
}

std::shared_ptr<Fetch> Client::fetch(const Url& url, ClientRequest request, FetchCallbacks callbacks) {
  auto op = std::make_shared<FetchOp>(state_, url, std::move(request), std::move(callbacks));
  if (loop_.in_loop_thread()) {
    op->start();
  } else {
    loop_.post([op] { op->start(); });
  }
  return op;
}


void Client::close_idle() {
  loop_.call([s = state_] { s->clear_pool(); });
}

SimpleResponse fetch_sync(const Url& url, ClientRequest request, ClientOptions options) {
  EventLoop loop;
  SimpleResponse r;
  {
    Client client(loop, std::move(options));
    FetchCallbacks cb;
    cb.on_head = [&](const ResponseHead& head, const FetchTimings&) {
      r.status = head.status;
      r.headers = head.headers;
    };
    cb.on_data = [&](std::string_view piece, std::int64_t, std::function<void()> more) {
      r.body.append(piece);
      ++r.pieces;
      more();
    };
    cb.on_end = [&](const Error& err, const FetchTimings& t) {
      r.error = err;
      r.timings = t;
      loop.stop();
    };
    auto fetch = client.fetch(url, std::move(request), std::move(cb));
    loop.run();
  }
  return r;
}

}  // namespace agentrace::net
