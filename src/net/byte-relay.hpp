#pragma once
// A TCP -> Unix socket byte relay: each TCP connection accepted gets its own connection
// to the Unix socket, and bytes flow both ways as soon as they are read (no buffering
// delay, TCP_NODELAY), with half-closes passed on. One epoll loop, no Asio: it runs
// inside the sandbox in front of the agent, where it must be small and cheap.
#include <cstdint>
#include <string>

#include "core/unique-fd.hpp"
#include "net/http.hpp"

namespace agentrace::net {

class ByteRelay {
 public:
  // Binds and listens on `listen` (TCP) at once; throws std::runtime_error naming it.
  // `opening` goes to each Unix connection before the first relayed byte (the route
  // token line a token_line listener expects).
  ByteRelay(const ListenSpec& listen, std::string unix_target, std::string opening = {});
  ~ByteRelay();
  ByteRelay(const ByteRelay&) = delete;
  ByteRelay& operator=(const ByteRelay&) = delete;

  std::uint16_t port() const { return port_; }
  // Relays until stop_fd becomes readable (e.g. a signalfd or an eventfd), then closes
  // every relayed connection (the listener stays open until destruction).
  void run(int stop_fd);
  std::size_t connections() const { return pairs_; }

 private:
  core::UniqueFd listen_fd_;
  std::uint16_t port_ = 0;
  std::string target_;
  std::string opening_;
  std::size_t pairs_ = 0;
};

}  // namespace agentrace::net
