#include "net/byte-relay.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <unordered_set>

#include "core/unique-fd.hpp"

namespace agentrace::net {
namespace {

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

core::UniqueFd connect_unix(const std::string& path) {
  core::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return {};
  set_nonblocking(fd.get());
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
  core::UniqueFd tcp, unix_fd;
  Flow up, down;  // tcp -> unix, unix -> tcp
  bool over() const { return up.failed || down.failed || (up.done && down.done); }
};

// Epoll data: which pair and which end.
struct End {
  Pair* pair;
  bool tcp_side;
};

// The relay's epoll set and the connection pairs in it.
class RelayLoop {
 public:
  RelayLoop(int listen_fd, int stop_fd, const std::string& target, const std::string& opening, std::size_t& pairs_count)
      : ep_(::epoll_create1(EPOLL_CLOEXEC)), listen_fd_(listen_fd), target_(target), opening_(opening),
        pairs_count_(pairs_count) {
    add(listen_fd, EPOLLIN, nullptr);
    add(stop_fd, EPOLLIN, &stop_marker_);
  }
  ~RelayLoop() {
    while (!pairs_.empty()) drop(pairs_.begin()->get());
  }

  void run() {
    std::array<epoll_event, 64> events;
    bool stop = false;
    while (!stop) {
      const int n = ::epoll_wait(ep_.get(), events.data(), static_cast<int>(events.size()), -1);
      if (n < 0 && errno != EINTR) break;
      std::unordered_set<Pair*> over;
      for (int i = 0; i < n; ++i) {
        auto* data = events[static_cast<std::size_t>(i)].data.ptr;
        if (data == &stop_marker_) {
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
  }

 private:
  void add(int fd, std::uint32_t events, void* data) {
    epoll_event e{};
    e.events = events;
    e.data.ptr = data;
    ::epoll_ctl(ep_.get(), EPOLL_CTL_ADD, fd, &e);
  }

  void watch(Pair* p, int fd, bool tcp_side) {
    auto end = std::make_unique<End>(End{p, tcp_side});
    add(fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, end.get());  // edge-triggered: pump until EAGAIN
    ends_.insert(std::move(end));
  }

  void accept_all() {
    while (true) {
      core::UniqueFd c(::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
      if (!c) return;
      core::UniqueFd u = connect_unix(target_);
      if (!u) continue;  // the agent sees a closed connection and retries
      const int one = 1;
      ::setsockopt(c.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      auto pair = std::make_unique<Pair>();
      pair->up.from = pair->down.to = c.get();
      pair->up.to = pair->down.from = u.get();
      pair->tcp = std::move(c);
      pair->unix_fd = std::move(u);
      pair->up.len = opening_.copy(pair->up.buf.data(), pair->up.buf.size());  // sent before any read
      watch(pair.get(), pair->tcp.get(), true);
      watch(pair.get(), pair->unix_fd.get(), false);
      pairs_.insert(std::move(pair));
      pairs_count_ = pairs_.size();
    }
  }

  void drop(Pair* p) {
    ::epoll_ctl(ep_.get(), EPOLL_CTL_DEL, p->tcp.get(), nullptr);
    ::epoll_ctl(ep_.get(), EPOLL_CTL_DEL, p->unix_fd.get(), nullptr);
    std::erase_if(ends_, [&](const auto& e) { return e->pair == p; });
    std::erase_if(pairs_, [&](const auto& q) { return q.get() == p; });
    pairs_count_ = pairs_.size();
  }

  core::UniqueFd ep_;
  int listen_fd_;
  const std::string& target_;
  const std::string& opening_;
  std::size_t& pairs_count_;
  int stop_marker_ = 0;
  std::unordered_set<std::unique_ptr<Pair>> pairs_;
  std::unordered_set<std::unique_ptr<End>> ends_;
};

}  // namespace

ByteRelay::ByteRelay(const ListenSpec& listen, std::string unix_target, std::string opening)
    : target_(std::move(unix_target)), opening_(std::move(opening)) {
  core::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  const int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(listen.port);
  const auto where = listen.host + ":" + std::to_string(listen.port);
  if (::inet_pton(AF_INET, listen.host.c_str(), &addr.sin_addr) != 1 ||
      ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd.get(), 512) != 0) {
    throw std::runtime_error("cannot listen on " + where + ": " + std::strerror(errno));
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  listen_fd_ = std::move(fd);
}

ByteRelay::~ByteRelay() = default;

void ByteRelay::run(int stop_fd) { RelayLoop(listen_fd_.get(), stop_fd, target_, opening_, pairs_).run(); }

}  // namespace agentrace::net
