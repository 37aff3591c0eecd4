#include "agent/shell.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/unique-fd.hpp"

namespace agentrace::agent {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// How long output may still come after the command exited (a background job holding
// the pipe) before the group is ended.
constexpr milliseconds kExitGrace{100};

std::string omitted_note(std::size_t n) {
  return fmt::format("\n[... {} bytes of output omitted ...]\n", n);
}

// The first cap/2 bytes and a rolling tail, so that any amount of output fits in O(cap).
class Keeper {
 public:
  explicit Keeper(std::size_t cap) : cap_(std::max<std::size_t>(cap, 2)) {}
  void add(std::string_view piece) {
    total_ += piece.size();
    const std::size_t room = cap_ / 2 - std::min(cap_ / 2, head_.size());
    const std::size_t take = std::min(room, piece.size());
    head_.append(piece.substr(0, take));
    tail_.append(piece.substr(take));
    if (tail_.size() > 2 * cap_) tail_.erase(0, tail_.size() - cap_);
  }
  std::string text() const {
    if (total_ <= cap_) return head_ + tail_;
    const std::size_t keep = cap_ - cap_ / 2;
    return head_ + omitted_note(total_ - cap_ / 2 - keep) + tail_.substr(tail_.size() - keep);
  }
  std::size_t total() const { return total_; }

 private:
  std::size_t cap_;
  std::string head_, tail_;
  std::size_t total_ = 0;
};

pid_t start(const std::string& command, const std::filesystem::path& cwd, int out_fd) {
  const std::string dir = cwd.string();
  const pid_t pid = fork();
  if (pid < 0) throw core::InfraError(fmt::format("bash tool: fork failed: {}", std::strerror(errno)));
  if (pid > 0) return pid;
  setpgid(0, 0);
  const int devnull = open("/dev/null", O_RDONLY);
  dup2(devnull, 0);
  dup2(out_fd, 1);
  dup2(out_fd, 2);
  signal(SIGPIPE, SIG_DFL);
  if (!dir.empty() && chdir(dir.c_str()) != 0) _exit(126);
  execl("/bin/bash", "bash", "-c", command.c_str(), static_cast<char*>(nullptr));
  _exit(127);
}

int status_code(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

// Reads what is there; false at EOF.
bool read_some(int fd, Keeper& keeper) {
  char buf[65536];
  const ssize_t n = read(fd, buf, sizeof buf);
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  if (n == 0) return false;
  keeper.add(std::string_view(buf, static_cast<std::size_t>(n)));
  return true;
}

int wait_ms(Clock::time_point until) {
  const auto left = std::chrono::duration_cast<milliseconds>(until - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 50));
}

}  // namespace

std::string cap_middle(const std::string& text, std::size_t cap) {
  Keeper keeper(cap);
  keeper.add(text);
  return keeper.text();
}

ShellResult run_shell(const std::string& command, const std::filesystem::path& cwd, milliseconds timeout,
                      std::size_t output_cap) {
  auto pipe = core::make_pipe("bash tool");
  const pid_t pid = start(command, cwd, pipe.write.get());
  setpgid(pid, pid);
  pipe.write.reset();
  Keeper keeper(output_cap);
  ShellResult r;
  const auto deadline = Clock::now() + timeout;
  std::optional<int> status;
  std::optional<Clock::time_point> exited_at;
  bool open = true;
  while (true) {
    if (!status) {
      int st = 0;
      if (waitpid(pid, &st, WNOHANG) == pid) {
        status = st;
        exited_at = Clock::now();
      }
    }
    if (status && (!open || Clock::now() - *exited_at > kExitGrace)) break;
    if (Clock::now() >= deadline) {
      r.timed_out = true;
      break;
    }
    pollfd p{pipe.read.get(), POLLIN, 0};
    if (!open) {
      usleep(2000);
    } else if (poll(&p, 1, wait_ms(deadline)) > 0) {
      open = read_some(pipe.read.get(), keeper);
    }
  }
  kill(-pid, SIGKILL);
  if (!status) {
    int st = 0;
    waitpid(pid, &st, 0);
    status = st;
  }
  r.exit_code = status_code(*status);
  r.output = keeper.text();
  r.total_bytes = keeper.total();
  return r;
}

}  // namespace agentrace::agent
