// net::ByteRelay (behind `agentrace relay`): bytes both ways, half-closes passed on,
// a dead target closes the client, and no descriptor is left behind.
#include <dirent.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "net/byte-relay.hpp"

namespace net = agentrace::net;

namespace {

int open_fds() {
  int n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (readdir(d)) ++n;
    closedir(d);
  }
  return n;
}

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

int connect_tcp(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  return fd;
}

// A Unix socket server that reads each connection to EOF, then answers "got:" + data.
struct EchoAfterEof {
  explicit EchoAfterEof(std::string p) : path(std::move(p)) {
    fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    ::unlink(path.c_str());
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd, 16);
    thread = std::thread([this] {
      for (int c; (c = ::accept(fd, nullptr, nullptr)) >= 0;) {
        const auto data = read_all(c);
        const auto answer = "got:" + data;
        (void)!::write(c, answer.data(), answer.size());
        ::close(c);
      }
    });
  }
  ~EchoAfterEof() {
    ::shutdown(fd, SHUT_RDWR);
    thread.join();
    ::close(fd);
    ::unlink(path.c_str());
  }
  std::string path;
  int fd = -1;
  std::thread thread;
};

TEST(ByteRelay, PassesBytesAndHalfClosesBothWays) {
  const int before = open_fds();
  {
    const auto sock = std::filesystem::temp_directory_path() / ("agentrace-relay-" + std::to_string(::getpid()));
    EchoAfterEof target(sock);
    net::ByteRelay relay(net::ListenSpec{}, sock);
    const int stop = ::eventfd(0, EFD_CLOEXEC);
    std::thread loop([&] { relay.run(stop); });
    for (int i = 0; i < 3; ++i) {
      const int c = connect_tcp(relay.port());
      const std::string big(200'000, static_cast<char>('a' + i));
      ASSERT_EQ(::write(c, big.data(), big.size()), static_cast<ssize_t>(big.size()));
      ::shutdown(c, SHUT_WR);  // the target answers only after it sees EOF
      EXPECT_EQ(read_all(c), "got:" + big);
      ::close(c);
    }
    const std::uint64_t one = 1;
    (void)!::write(stop, &one, sizeof one);
    loop.join();
    EXPECT_EQ(relay.connections(), 0u);
    ::close(stop);
  }
  EXPECT_EQ(open_fds(), before);
}

TEST(ByteRelay, ADeadTargetClosesTheClient) {
  net::ByteRelay relay(net::ListenSpec{}, "/nonexistent/agentrace.sock");
  const int stop = ::eventfd(0, EFD_CLOEXEC);
  std::thread loop([&] { relay.run(stop); });
  const int c = connect_tcp(relay.port());
  EXPECT_EQ(read_all(c), "");
  ::close(c);
  const std::uint64_t one = 1;
  (void)!::write(stop, &one, sizeof one);
  loop.join();
  ::close(stop);
}

TEST(ByteRelay, ABusyPortIsAnError) {
  net::ByteRelay first(net::ListenSpec{}, "/x.sock");
  net::ListenSpec same;
  same.port = first.port();
  EXPECT_THROW(net::ByteRelay(same, "/x.sock"), std::runtime_error);
}

}  // namespace
