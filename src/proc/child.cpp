#include "proc/child.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/unique-fd.hpp"

namespace agentrace::proc {

Child::Child(const SpawnSpec& spec) : stderr_path_(spec.stderr_path.string()) {
  auto out = core::make_pipe("child");
  const core::UniqueFd err(stderr_path_.empty()
                               ? open("/dev/null", O_WRONLY | O_CLOEXEC)
                               : open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!err) throw core::InfraError(fmt::format("child: cannot write {}: {}", stderr_path_, std::strerror(errno)));
  pid_ = start_in_group(spec.argv, spec.env, spec.cwd, out.write.get(), err.get());
  out_ = std::move(out.read);
}

Child::~Child() { stop(); }

std::string Child::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = core::Clock::now() + timeout;
  for (;;) {
    if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
      auto line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - core::Clock::now()).count();
    pollfd p{out_.get(), POLLIN, 0};
    if (left <= 0 || poll(&p, 1, static_cast<int>(left)) <= 0) {
      throw core::InfraError(fmt::format("child {} printed no line within {} ms: {}", pid_, timeout.count(),
                                         core::read_tail(stderr_path_, 600)));
    }
    char buf[4096];
    const ssize_t n = read(out_.get(), buf, sizeof buf);
    if (n <= 0) {
      throw core::InfraError(fmt::format("child {} exited before printing a line: {}", pid_,
                                         core::read_tail(stderr_path_, 600)));
    }
    buffer_.append(buf, static_cast<std::size_t>(n));
  }
}

void Child::stop() {
  if (pid_ <= 0) return;
  kill(-pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 40; ++i) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (pid_ > 0) {
    kill(-pid_, SIGKILL);
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  out_.reset();
}

}  // namespace agentrace::proc
