#include "net/byte-relay.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <unordered_set>

namespace agentrace::net {
namespace {

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

int connect_unix(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  set_nonblocking(fd);
  return fd;
}

// One direction: bytes read from `from` wait here only until `to` takes them.
struct Flow {
  int from = -1, to = -1;
  std::array<char, 64 * 1024> buf;
  std::size_t off = 0, len = 0;
  bool eof = false;   // `from` said EOF
  bool done = false;  // EOF passed on (shutdown(to, SHUT_WR))
  bool failed = false;

  bool pending() const { return off < len; }
  void pump() {
    while (!failed) {
      if (pending()) {
        const auto n = ::send(to, buf.data() + off, len - off, MSG_NOSIGNAL);
        if (n < 0) {
          failed = errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
          return;
        }
        off += static_cast<std::size_t>(n);
        continue;
      }
      if (eof) {
        if (!done) ::shutdown(to, SHUT_WR);
        done = true;
        return;
      }
      const auto n = ::recv(from, buf.data(), buf.size(), 0);
      if (n == 0) {
        eof = true;
      } else if (n < 0) {
        failed = errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
        return;
      } else {
        off = 0;
        len = static_cast<std::size_t>(n);
      }
    }
  }
};

struct Pair {
  int tcp = -1, unix_fd = -1;
  Flow up, down;  // tcp -> unix, unix -> tcp
  bool over() const { return up.failed || down.failed || (up.done && down.done); }
  ~Pair() {
    ::close(tcp);
    ::close(unix_fd);
  }
};

// Epoll data: which pair and which end.
struct End {
  Pair* pair;
  bool tcp_side;
};

}  // namespace

ByteRelay::ByteRelay(const ListenSpec& listen, std::string unix_target, std::string opening)
    : target_(std::move(unix_target)), opening_(std::move(opening)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  const int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(listen.port);
  const auto where = listen.host + ":" + std::to_string(listen.port);
  if (::inet_pton(AF_INET, listen.host.c_str(), &addr.sin_addr) != 1 ||
      ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 512) != 0) {
    const std::string why = std::strerror(errno);
    ::close(listen_fd_);
    throw std::runtime_error("cannot listen on " + where + ": " + why);
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
}

ByteRelay::~ByteRelay() { ::close(listen_fd_); }

void ByteRelay::run(int stop_fd) {
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;  // the listener
  ::epoll_ctl(ep, EPOLL_CTL_ADD, listen_fd_, &ev);
  int stop_marker = 0;
  ev.data.ptr = &stop_marker;
  ::epoll_ctl(ep, EPOLL_CTL_ADD, stop_fd, &ev);

  std::unordered_set<std::unique_ptr<Pair>> pairs;
  std::unordered_set<std::unique_ptr<End>> ends;
  auto watch = [&](Pair* p, int fd, bool tcp_side) {
    auto end = std::make_unique<End>(End{p, tcp_side});
    epoll_event e{};
    e.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;  // edge-triggered: pump until EAGAIN
    e.data.ptr = end.get();
    ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
    ends.insert(std::move(end));
  };
  auto accept_all = [&] {
    while (true) {
      const int c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (c < 0) return;
      const int u = connect_unix(target_);
      if (u < 0) {
        ::close(c);  // the agent sees a closed connection and retries
        continue;
      }
      const int one = 1;
      ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      auto pair = std::make_unique<Pair>();
      pair->tcp = c;
      pair->unix_fd = u;
      pair->up.from = pair->down.to = c;
      pair->up.to = pair->down.from = u;
      pair->up.len = opening_.copy(pair->up.buf.data(), pair->up.buf.size());  // sent before any read
      watch(pair.get(), c, true);
      watch(pair.get(), u, false);
      pairs.insert(std::move(pair));
      pairs_ = pairs.size();
    }
  };
  auto drop = [&](Pair* p) {
    ::epoll_ctl(ep, EPOLL_CTL_DEL, p->tcp, nullptr);
    ::epoll_ctl(ep, EPOLL_CTL_DEL, p->unix_fd, nullptr);
    std::erase_if(ends, [&](const auto& e) { return e->pair == p; });
    std::erase_if(pairs, [&](const auto& q) { return q.get() == p; });
    pairs_ = pairs.size();
  };

  std::array<epoll_event, 64> events;
  bool stop = false;
  while (!stop) {
    const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), -1);
    if (n < 0 && errno != EINTR) break;
    std::unordered_set<Pair*> over;
    for (int i = 0; i < n; ++i) {
      auto* data = events[static_cast<std::size_t>(i)].data.ptr;
      if (data == &stop_marker) {
        stop = true;
      } else if (data == nullptr) {
        accept_all();
      } else {
        auto* p = static_cast<End*>(data)->pair;
        p->up.pump();
        p->down.pump();
        if (p->over()) over.insert(p);
      }
    }
    for (auto* p : over) drop(p);
  }
  while (!pairs.empty()) drop(pairs.begin()->get());
  ::close(ep);
}

}  // namespace agentrace::net
