#pragma once
// HTTP/1.1 server on a TCP loopback address or a Unix socket. The handler gets one
// Exchange per request: it reads the body piece by piece (or whole), writes the head,
// then body pieces that are each sent at once (chunked, or Content-Length when the
// head gives one), then finish(). Writes may be issued back to back: they queue.
// Keep-alive is kept when the request body was read and the response finished.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "net/event-loop.hpp"
#include "net/http.hpp"

namespace agentrace::net {

using Done = std::function<void(const Error&)>;
// A piece of the request body; last is true once (with a possibly empty piece).
using BodyPiece = std::function<void(std::string_view piece, bool last, const Error&)>;

class Exchange {
 public:
  virtual ~Exchange() = default;
  virtual const RequestHead& request() const = 0;
  virtual std::int64_t received_ns() const = 0;  // when the request head was parsed
  // The connection's opening line on a token_line listener, "" elsewhere.
  virtual const std::string& connection_token() const = 0;
  virtual EventLoop& loop() = 0;

  virtual void read_body(BodyPiece on_piece) = 0;
  virtual void read_all(std::function<void(std::string body, const Error&)> on_body,
                        std::size_t limit = 512u << 20) = 0;

  virtual void write_head(ResponseHead head, Done done = {}) = 0;
  virtual void write_body(std::string piece, Done done = {}) = 0;
  virtual void finish(Done done = {}) = 0;
  // Sends what is queued, then closes the connection without ending the message:
  // the client sees a truncated response (how an upstream reset is passed on).
  virtual void abort() = 0;

  // Runs once if the client closes its connection before the response finished.
  virtual void on_client_gone(std::function<void()> fn) = 0;
  virtual bool client_gone() const = 0;
};

using Handler = std::function<void(std::shared_ptr<Exchange>)>;

// Writes a whole response: head with Content-Length, body, finish.
void respond(Exchange& ex, int status, std::string body,
             std::string content_type = "text/plain; charset=utf-8", Headers extra = {});

class Server {
 public:
  // Binds and listens at once (throws std::runtime_error naming the address on failure);
  // accepts once the loop runs. Unix sockets: a stale socket file is replaced.
  Server(EventLoop& loop, ListenSpec listen, Handler handler);
  // Accepts on the first loop and serves each connection on the next loop in turn (one
  // loop a core): the handler and every callback of a connection run on its loop.
  Server(std::vector<EventLoop*> loops, ListenSpec listen, Handler handler);
  ~Server();  // close()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::uint16_t port() const;        // the bound port (0 for a Unix socket)
  std::string url() const;           // "http://127.0.0.1:PORT" (TCP only)
  const ListenSpec& listen() const;  // with the bound port filled in
  std::size_t open_connections() const;
  std::size_t accepted_connections() const;  // since the start
  // Stops accepting and closes every connection (waits for the loop thread).
  void close();

  struct State;

 private:
  EventLoop& loop_;
  std::shared_ptr<State> state_;
};

}  // namespace agentrace::net
