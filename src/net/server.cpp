#include "net/server.hpp"

#include <unistd.h>

#include <atomic>
#include <charconv>
#include <deque>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <unordered_set>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/post.hpp>

#include "net/beast.hpp"

namespace agentrace::net {
namespace {

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void close() = 0;
  virtual EventLoop& loop() = 0;
  virtual std::shared_ptr<SessionBase> lock() = 0;  // empty once it is being destroyed
};

}  // namespace

struct Server::State {
  State(std::vector<EventLoop*> l, ListenSpec ls, Handler h)
      : loops(std::move(l)), listen(std::move(ls)), handler(std::move(h)) {}
  std::vector<EventLoop*> loops;  // the first accepts; connections go round the list
  std::size_t next_loop = 0;      // touched on the first loop only
  ListenSpec listen;
  Handler handler;
  std::optional<tcp::acceptor> tcp_acceptor;
  std::optional<unix_socket::acceptor> unix_acceptor;
  std::mutex sessions_mutex;  // sessions live on different loops
  std::unordered_set<SessionBase*> sessions;
  std::atomic<std::size_t> open{0}, accepted{0};
  std::atomic<bool> closed{false};
};

namespace {

std::string format_head(const ResponseHead& head, bool chunked, bool keep_alive) {
  std::string out = "HTTP/1.1 " + std::to_string(head.status) + " ";
  out += head.reason.empty() ? std::string(status_reason(head.status)) : head.reason;
  out += "\r\n";
  for (const auto& h : head.headers) {
    if (is_hop_by_hop(h.name) || iequals(h.name, "content-length")) continue;
    out += h.name + ": " + h.value + "\r\n";
  }
  if (head.content_length) out += "Content-Length: " + std::to_string(*head.content_length) + "\r\n";
  if (chunked) out += "Transfer-Encoding: chunked\r\n";
  if (!keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
  return out;
}

bool bodiless_status(int status) { return status < 200 || status == 204 || status == 304; }

struct Out {
  std::string prefix;  // chunk size line, or the head
  std::string data;
  bool crlf = false;   // chunk trailer
  bool end = false;    // the response is complete once this is written
  bool close = false;  // close the connection once this is written
  Done done;
};

template <class Socket>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Socket>> {
 public:
  Session(std::shared_ptr<Server::State> server, EventLoop& loop, Socket socket)
      : server_(std::move(server)), loop_(loop), socket_(std::move(socket)) {
    boost::system::error_code ec;
    socket_.non_blocking(true, ec);  // for write_now(); the async operations do not mind
    std::lock_guard lock(server_->sessions_mutex);
    server_->sessions.insert(this);
    ++server_->open;
  }
  ~Session() override {
    std::lock_guard lock(server_->sessions_mutex);
    server_->sessions.erase(this);
    --server_->open;
  }

  void start() { server_->listen.token_line ? read_token() : read_head(); }
  void close() override {
    closed_ = true;
    gone_fn_ = nullptr;  // callbacks may hold the exchange: break the cycle
    on_piece_ = nullptr;
    boost::system::error_code ec;
    socket_.close(ec);
  }

  // --- called through the Exchange of request `seq` ---
  bool current(std::uint64_t seq) const { return seq == seq_ && !closed_; }
  const RequestHead& request() const { return request_; }
  std::int64_t received_ns() const { return received_ns_; }
  const std::string& token() const { return token_; }
  EventLoop& loop() override { return loop_; }
  std::shared_ptr<SessionBase> lock() override { return this->weak_from_this().lock(); }
  bool client_gone() const { return client_gone_; }
  void on_client_gone(std::function<void()> fn) { gone_fn_ = std::move(fn); }

  void read_body(BodyPiece on_piece) {
    if (body_complete_) {
      asio::post(socket_.get_executor(), [fn = std::move(on_piece)] { fn({}, true, {}); });
      return;
    }
    if (const auto* e = request_.headers.find("expect"); e && iequals(*e, "100-continue")) {
      enqueue(Out{"HTTP/1.1 100 Continue\r\n\r\n", {}, false, false, false, {}});
    }
    on_piece_ = std::move(on_piece);
    read_piece();
  }

  void write_head(ResponseHead head, Done done) {
    if (head_written_) return fail_now(std::move(done), "head already written");
    head_written_ = true;
    no_body_ = head_request_ || bodiless_status(head.status);
    chunked_ = !no_body_ && !head.content_length && request_.version >= 11;
    if (!no_body_ && !head.content_length && !chunked_) keep_alive_ = false;  // close-delimited
    declared_length_ = no_body_ ? std::nullopt : head.content_length;
    enqueue(Out{format_head(head, chunked_, keep_alive_), {}, false, false, false, std::move(done)});
  }

  void write_body(std::string piece, Done done) {
    if (!head_written_ || ended_) return fail_now(std::move(done), "write_body out of order");
    if (no_body_ || piece.empty()) return complete_now(std::move(done));
    body_written_ += piece.size();
    Out out;
    if (chunked_) {
      char size_line[24];
      char* end = std::to_chars(size_line, size_line + 20, piece.size(), 16).ptr;  // snprintf was 2% of the sim
      *end++ = '\r';
      *end++ = '\n';
      out.prefix.assign(size_line, end);
      out.crlf = true;
    }
    out.data = std::move(piece);
    out.done = std::move(done);
    enqueue(std::move(out));
  }

  void finish(Done done) {
    if (!head_written_) write_head(ResponseHead{}, {});
    if (ended_) return fail_now(std::move(done), "finished twice");
    ended_ = true;
    if (declared_length_ && *declared_length_ != body_written_) keep_alive_ = false;
    Out out{chunked_ ? "0\r\n\r\n" : "", {}, false, true, false, std::move(done)};
    enqueue(std::move(out));
  }

  void abort() {
    if (ended_) return;
    ended_ = true;
    keep_alive_ = false;
    enqueue(Out{{}, {}, false, false, true, {}});
  }

  std::uint64_t seq() const { return seq_; }

 private:
  static constexpr std::size_t kTokenMax = 256;

  void read_token() {
    socket_.async_read_some(buffer_.prepare(kTokenMax),
                            [self = this->shared_from_this()](boost::system::error_code ec, std::size_t n) {
                              self->on_token(ec, n);
                            });
  }

  // Bytes after the line are the first request's: they stay in the buffer.
  void on_token(boost::system::error_code ec, std::size_t n) {
    if (ec || closed_) return close();
    buffer_.commit(n);
    const std::string_view seen(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    const auto eol = seen.find('\n');
    if (eol == std::string_view::npos) return seen.size() >= kTokenMax ? close() : read_token();
    token_ = seen.substr(0, eol);
    if (token_.ends_with('\r')) token_.pop_back();
    buffer_.consume(eol + 1);
    read_head();
  }

  void read_head() {
    parser_.emplace();
    parser_->header_limit(64 * 1024);
    parser_->body_limit(boost::none);
    http::async_read_header(socket_, buffer_, *parser_,
                            [self = this->shared_from_this()](boost::system::error_code ec, std::size_t) {
                              self->on_head(ec);
                            });
  }

  void on_head(boost::system::error_code ec) {
    if (ec || closed_) return close();
    const auto& msg = parser_->get();
    request_ = RequestHead{};
    request_.method = std::string(msg.method_string());
    request_.target = std::string(msg.target());
    request_.version = msg.version();
    for (const auto& f : msg) request_.headers.add(std::string(f.name_string()), std::string(f.value()));
    received_ns_ = now_ns();
    ++seq_;
    reset_response(msg.keep_alive(), msg.method() == http::verb::head);
    body_complete_ = parser_->is_done();
    if (body_complete_) start_watch();
    server_->handler(make_exchange());
  }

  void reset_response(bool keep_alive, bool head_request) {
    keep_alive_ = keep_alive;
    head_request_ = head_request;
    head_written_ = ended_ = response_done_ = no_body_ = chunked_ = false;
    declared_length_.reset();
    body_written_ = 0;
    gone_fn_ = nullptr;
    on_piece_ = nullptr;
  }

  std::shared_ptr<Exchange> make_exchange();

  void read_piece() {
    auto& body = parser_->get().body();
    body.data = read_buf_.data();
    body.size = read_buf_.size();
    http::async_read_some(socket_, buffer_, *parser_,
                          [self = this->shared_from_this()](boost::system::error_code ec, std::size_t) {
                            self->on_piece(ec);
                          });
  }

  void on_piece(boost::system::error_code ec) {
    if (ec == http::error::need_buffer) ec = {};
    const std::size_t got = read_buf_.size() - parser_->get().body().size;
    auto fn = on_piece_;
    if (ec) {
      keep_alive_ = false;
      if (fn) fn({}, true, to_error(ec));
      return;
    }
    const bool last = parser_->is_done();
    if (last) {
      body_complete_ = true;
      on_piece_ = nullptr;
      start_watch();
    }
    if (fn) fn(std::string_view(read_buf_.data(), got), last, {});
    if (!last && !closed_) read_piece();
  }

  // While the response is produced, a read on the socket tells when the client leaves.
  void start_watch() {
    if (watching_ || closed_ || response_done_) return;
    watching_ = true;
    watch_cancelled_ = false;
    socket_.async_read_some(
        buffer_.prepare(4096),
        asio::bind_cancellation_slot(watch_signal_.slot(), [self = this->shared_from_this()](
                                                               boost::system::error_code ec, std::size_t n) {
          self->on_watch(ec, n);
        }));
  }

  void on_watch(boost::system::error_code ec, std::size_t n) {
    watching_ = false;
    if (!ec) {
      buffer_.commit(n);  // a pipelined request: keep it for the next read
    } else if (!watch_cancelled_) {
      client_gone_ = true;
      keep_alive_ = false;
      if (!response_done_ && gone_fn_) std::exchange(gone_fn_, nullptr)();
    }
    maybe_next();
  }

  void enqueue(Out out) {
    queue_.push_back(std::move(out));
    flush();
  }

  void flush() {
    if (writing_ || queue_.empty() || closed_) return;
    const std::size_t count = std::min<std::size_t>(queue_.size(), 64);
    gather(count);
    if (write_now(count)) return flush();
    writing_ = true;
    asio::async_write(socket_, std::span<const asio::const_buffer>(bufs_),
                      [self = this->shared_from_this(), count](boost::system::error_code ec, std::size_t) {
                        self->on_written(ec, count);
                      });
  }

  void gather(std::size_t count) {
    bufs_.clear();  // kept between writes: its capacity is reused
    for (std::size_t i = 0; i < count; ++i) {
      const auto& o = queue_[i];
      if (!o.prefix.empty()) bufs_.push_back(asio::buffer(o.prefix));
      if (!o.data.empty()) bufs_.push_back(asio::buffer(o.data));
      if (o.crlf) bufs_.push_back(asio::buffer("\r\n", 2));
    }
  }

  // Body pieces (not the end) go out at once when the socket takes them: no write op or
  // reactor round per piece; their callbacks still run later, posted. Returns true when all
  // of them went; what a full socket left in bufs_ goes on with async_write (an error
  // shows up there too).
  bool write_now(std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
      if (queue_[i].end || queue_[i].close) return false;
    }
    boost::system::error_code ec;
    std::size_t sent = socket_.write_some(bufs_, ec);  // the socket is non-blocking
    if (ec) return false;
    if (sent == asio::buffer_size(bufs_)) {
      for (std::size_t i = 0; i < count; ++i) complete_now(std::move(queue_[i].done));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<long>(count));
      return true;
    }
    auto first = bufs_.begin();
    for (; sent >= first->size(); ++first) sent -= first->size();
    *first += sent;
    bufs_.erase(bufs_.begin(), first);
    return false;
  }

  void on_written(boost::system::error_code ec, std::size_t count) {
    writing_ = false;
    bool close_now = false;
    std::vector<Done> callbacks;
    for (std::size_t i = 0; i < count; ++i) {
      auto& o = queue_[i];
      if (o.end) {
        response_done_ = true;
        gone_fn_ = nullptr;
      }
      if (o.close) close_now = true;
      if (o.done) callbacks.push_back(std::move(o.done));
    }
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<long>(count));
    if (ec) fail_connection(ec);
    const Error err = ec ? to_error(ec) : Error{};
    for (auto& done : callbacks) done(err);
    if (close_now) return close_after_response();
    if (!ec) flush();
    maybe_next();
  }

  void fail_connection(boost::system::error_code ec) {
    client_gone_ = client_gone_ || classify(ec) == ErrorKind::reset;
    keep_alive_ = false;
    auto gone = std::exchange(gone_fn_, nullptr);
    close();
    for (auto& o : queue_) {
      if (o.done) asio::post(socket_.get_executor(), [d = std::move(o.done), e = to_error(ec)] { d(e); });
    }
    queue_.clear();
    if (client_gone_ && !response_done_ && gone) gone();
  }

  void close_after_response() {
    response_done_ = true;
    boost::system::error_code ec;
    socket_.shutdown(Socket::shutdown_both, ec);
    close();
  }

  // The next request starts once the response is written and the watch read is over.
  void maybe_next() {
    if (closed_ || !response_done_ || writing_ || !queue_.empty()) return;
    if (watching_) {
      watch_cancelled_ = true;
      watch_signal_.emit(asio::cancellation_type::all);
      return;
    }
    if (!keep_alive_ || !body_complete_) return close_after_response();
    ++seq_;  // the finished exchange is stale from here on
    read_head();
  }

  void fail_now(Done done, const char* what) {
    if (done) asio::post(socket_.get_executor(), [d = std::move(done), w = std::string(what)] {
        d(Error{ErrorKind::protocol, w});
      });
  }
  void complete_now(Done done) {
    if (done) asio::post(socket_.get_executor(), [d = std::move(done)] { d({}); });
  }

  std::shared_ptr<Server::State> server_;
  EventLoop& loop_;
  Socket socket_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::buffer_body>> parser_;
  // Left unzeroed on purpose: a read fills what it uses. Zeroing it made every accepted
  // connection fault in 16 fresh pages (6% of the proxy bench's CPU in clear_page).
  std::array<char, 64 * 1024> read_buf_;
  RequestHead request_;
  std::string token_;
  std::int64_t received_ns_ = 0;
  std::uint64_t seq_ = 0;
  BodyPiece on_piece_;
  std::function<void()> gone_fn_;
  std::deque<Out> queue_;
  std::vector<asio::const_buffer> bufs_;  // what is being written: queue_'s first pieces
  asio::cancellation_signal watch_signal_;
  std::optional<std::uint64_t> declared_length_;
  std::uint64_t body_written_ = 0;
  bool closed_ = false, writing_ = false, watching_ = false, watch_cancelled_ = false;
  bool keep_alive_ = true, head_request_ = false, head_written_ = false, ended_ = false;
  bool response_done_ = false, no_body_ = false, chunked_ = false, body_complete_ = false;
  bool client_gone_ = false;
};

// The handler's view of one request; calls on a finished exchange are ignored.
template <class Socket>
class ExchangeImpl : public Exchange {
 public:
  ExchangeImpl(std::shared_ptr<Session<Socket>> s, std::uint64_t seq)
      : s_(std::move(s)), seq_(seq), request_(s_->request()), received_(s_->received_ns()) {}
  ~ExchangeImpl() override {
    // Dropped without finish: end the connection rather than hang the client.
    if (!s_->current(seq_)) return;
    auto end = [s = s_, seq = seq_] {
      if (s->current(seq)) s->abort();
    };
    if (s_->loop().in_loop_thread()) {
      end();
    } else {
      s_->loop().post(end);
    }
  }

  const RequestHead& request() const override { return request_; }
  std::int64_t received_ns() const override { return received_; }
  const std::string& connection_token() const override { return s_->token(); }  // set once, before any request
  EventLoop& loop() override { return s_->loop(); }

  void read_body(BodyPiece fn) override {
    on_loop([this, fn = std::move(fn)]() mutable {
      if (s_->current(seq_)) return s_->read_body(std::move(fn));
      fn({}, true, Error{ErrorKind::cancelled, "exchange is over"});
    });
  }
  void read_all(std::function<void(std::string, const Error&)> fn, std::size_t limit) override {
    auto body = std::make_shared<std::string>();
    read_body([body, fn = std::move(fn), limit, done = false](std::string_view piece, bool last,
                                                               const Error& err) mutable {
      if (done) return;
      if (!err && body->size() + piece.size() > limit) {
        done = true;
        return fn({}, Error{ErrorKind::limit, "request body over " + std::to_string(limit) + " bytes"});
      }
      body->append(piece);
      if (last || err) {
        done = true;
        fn(std::move(*body), err);
      }
    });
  }
  void write_head(ResponseHead head, Done done) override {
    on_loop([this, head = std::move(head), done = std::move(done)]() mutable {
      if (s_->current(seq_)) return s_->write_head(std::move(head), std::move(done));
      if (done) done(Error{ErrorKind::cancelled, "exchange is over"});
    });
  }
  void write_body(std::string piece, Done done) override {
    on_loop([this, piece = std::move(piece), done = std::move(done)]() mutable {
      if (s_->current(seq_)) return s_->write_body(std::move(piece), std::move(done));
      if (done) done(Error{ErrorKind::cancelled, "exchange is over"});
    });
  }
  void finish(Done done) override {
    on_loop([this, done = std::move(done)]() mutable {
      if (s_->current(seq_)) return s_->finish(std::move(done));
      if (done) done(Error{ErrorKind::cancelled, "exchange is over"});
    });
  }
  void abort() override {
    on_loop([this] {
      if (s_->current(seq_)) s_->abort();
    });
  }
  void on_client_gone(std::function<void()> fn) override {
    on_loop([this, fn = std::move(fn)]() mutable {
      if (!s_->current(seq_)) return;
      if (s_->client_gone()) return fn();
      s_->on_client_gone(std::move(fn));
    });
  }
  bool client_gone() const override { return s_->client_gone(); }

 private:
  // Runs on the loop thread; keeps the exchange alive when posted from elsewhere.
  template <class F>
  void on_loop(F&& f) {
    if (s_->loop().in_loop_thread()) return f();
    auto self = std::static_pointer_cast<ExchangeImpl>(shared_from_this_exchange());
    s_->loop().post([self, f = std::forward<F>(f)]() mutable { f(); });
  }
  std::shared_ptr<Exchange> shared_from_this_exchange() { return self_.lock(); }

 public:
  std::weak_ptr<Exchange> self_;

 private:
  std::shared_ptr<Session<Socket>> s_;
  std::uint64_t seq_;
  RequestHead request_;
  std::int64_t received_;
};

template <class Socket>
std::shared_ptr<Exchange> Session<Socket>::make_exchange() {
  auto ex = std::make_shared<ExchangeImpl<Socket>>(this->shared_from_this(), seq_);
  ex->self_ = ex;
  return ex;
}

EventLoop& next_loop(Server::State& state) { return *state.loops[state.next_loop++ % state.loops.size()]; }

// A new connection starts its session on its own loop.
template <class Socket>
void hand_over(const std::shared_ptr<Server::State>& state, EventLoop& loop, Socket socket) {
  ++state->accepted;
  boost::system::error_code ec;
  if constexpr (std::is_same_v<Socket, tcp::socket>) socket.set_option(tcp::no_delay(true), ec);
  asio::post(io_of(loop), [state, &loop, socket = std::move(socket)]() mutable {
    if (!state->closed) std::make_shared<Session<Socket>>(state, loop, std::move(socket))->start();
  });
}

// Takes every connection already waiting: one accept per turn of a busy loop (thousands
// of timers a turn) left connections queued in the kernel for seconds.
template <class Acceptor>
void accept_waiting(const std::shared_ptr<Server::State>& state, Acceptor& acceptor) {
  boost::system::error_code ec;
  acceptor.non_blocking(true, ec);
  for (int i = 0; i < 1024 && !ec; ++i) {
    EventLoop& loop = *state->loops[state->next_loop % state->loops.size()];  // its turn only if one came
    typename Acceptor::protocol_type::socket socket(io_of(loop));
    acceptor.accept(socket, ec);
    if (ec) return;
    ++state->next_loop;
    hand_over(state, loop, std::move(socket));
  }
}

// Each connection is accepted straight onto the next loop's io_context and served there.
template <class Acceptor>
void accept_loop(std::shared_ptr<Server::State> state, Acceptor& acceptor) {
  EventLoop& loop = next_loop(*state);
  const asio::any_io_executor on(io_of(loop).get_executor());
  acceptor.async_accept(on, [state, &acceptor, &loop](boost::system::error_code ec, auto socket) {
    if (state->closed) return;
    if (!ec) {
      hand_over(state, loop, std::move(socket));
      accept_waiting(state, acceptor);
    }
    accept_loop(state, acceptor);
  });
}

void bind_listener(Server::State& s) {
  auto& io = io_of(*s.loops.front());
  if (!s.listen.unix_path.empty()) {
    ::unlink(s.listen.unix_path.c_str());
    s.unix_acceptor.emplace(io, unix_socket::endpoint(s.listen.unix_path));
    return;
  }
  const auto addr = asio::ip::make_address(s.listen.host);
  s.tcp_acceptor.emplace(io, tcp::endpoint(addr, s.listen.port));
  s.listen.port = s.tcp_acceptor->local_endpoint().port();
}

}  // namespace

void respond(Exchange& ex, int status, std::string body, std::string content_type, Headers extra) {
  ResponseHead head;
  head.status = status;
  head.headers = std::move(extra);
  head.headers.set("Content-Type", std::move(content_type));
  head.content_length = body.size();
  ex.write_head(std::move(head));
  ex.write_body(std::move(body));
  ex.finish();
}

Server::Server(EventLoop& loop, ListenSpec listen, Handler handler)
    : Server(std::vector<EventLoop*>{&loop}, std::move(listen), std::move(handler)) {}

Server::Server(std::vector<EventLoop*> loops, ListenSpec listen, Handler handler)
    : loop_(*loops.at(0)), state_(std::make_shared<State>(std::move(loops), std::move(listen), std::move(handler))) {
  loop_.call([this] {
    try {
      bind_listener(*state_);
    } catch (const std::exception& e) {
      const auto where = state_->listen.unix_path.empty()
                             ? state_->listen.host + ":" + std::to_string(state_->listen.port)
                             : state_->listen.unix_path;
      throw std::runtime_error("cannot listen on " + where + ": " + e.what());
    }
    if (state_->tcp_acceptor) accept_loop(state_, *state_->tcp_acceptor);
    if (state_->unix_acceptor) accept_loop(state_, *state_->unix_acceptor);
  });
}

Server::~Server() { close(); }

std::uint16_t Server::port() const { return state_->listen.port; }
std::string Server::url() const {
  const bool v6 = state_->listen.host.find(':') != std::string::npos;
  const auto host = v6 ? "[" + state_->listen.host + "]" : state_->listen.host;
  return "http://" + host + ":" + std::to_string(state_->listen.port);
}
const ListenSpec& Server::listen() const { return state_->listen; }
std::size_t Server::open_connections() const { return state_->open; }
std::size_t Server::accepted_connections() const { return state_->accepted; }

void Server::close() {
  loop_.call([s = state_] {
    if (s->closed) return;
    s->closed = true;
    boost::system::error_code ec;
    if (s->tcp_acceptor) s->tcp_acceptor->close(ec);
    if (s->unix_acceptor) {
      s->unix_acceptor->close(ec);
      ::unlink(s->listen.unix_path.c_str());
    }
  });
  // Each session closes on its own loop, outside the lock: closing one may drop the last
  // reference to it (through the callbacks it lets go), and its destructor takes the lock.
  for (auto* loop : state_->loops) {
    loop->call([s = state_, loop] {
      std::vector<std::shared_ptr<SessionBase>> mine;
      {
        std::lock_guard lock(s->sessions_mutex);
        for (auto* session : s->sessions) {
          if (&session->loop() != loop) continue;
          if (auto kept = session->lock()) mine.push_back(std::move(kept));
        }
      }
      for (auto& session : mine) session->close();
    });
  }
}

}  // namespace agentrace::net
