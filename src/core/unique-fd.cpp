#include "core/unique-fd.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/error.hpp"

namespace agentrace::core {

void UniqueFd::reset(int fd) {
  if (fd_ >= 0 && fd_ != fd) ::close(fd_);
  fd_ = fd;
}

Pipe make_pipe(const char* what) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw InfraError(fmt::format("{}: pipe failed: {}", what, std::strerror(errno)));
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

}  // namespace agentrace::core
