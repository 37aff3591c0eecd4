#include "proc/spawn.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>

#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace agentrace::proc {
namespace {

constexpr const char* kTokenVar = "AGENTRACE_PROC_TOKEN";
volatile std::sig_atomic_t g_cancel = 0;

std::string new_token() {
  static std::atomic<unsigned> counter{0};
  std::random_device rd;
  return fmt::format("{}-{}-{:08x}", getpid(), counter++, rd());
}

// Finds argv[0] on the child's PATH before fork (execvpe is not async-signal-safe).
std::string resolve_program(const std::string& name, const std::map<std::string, std::string>& env) {
  if (name.find('/') != std::string::npos) return name;  // execve says why, if it cannot run
  auto it = env.find("PATH");
  const std::string path = it != env.end() ? it->second : "/usr/local/bin:/usr/bin:/bin";
  if (auto found = find_program(name, path)) return *found;
  throw core::InfraError(fmt::format("'{}' not found on PATH ({}); install it or give its full path",
                                     name, path));
}

struct Sink {
  int fd = -1;          // read end of the pipe
  std::ofstream file;   // where kept bytes go
  std::ofstream times;  // "<bytes so far> <mono ns>" per read, when asked for
  std::size_t kept = 0;
  std::size_t total = 0;
  bool truncated = false;
};

void open_sink(Sink& sink, const std::filesystem::path& path) {
  if (path.empty()) return;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  sink.file.open(path, std::ios::binary | std::ios::trunc);
  if (!sink.file) throw core::InfraError(fmt::format("cannot write {}", path.string()));
}

// Reads what is available; returns false at EOF.
bool drain(Sink& sink, std::size_t cap) {
  char buf[65536];
  const ssize_t n = read(sink.fd, buf, sizeof buf);
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  if (n == 0) return false;
  const auto got = static_cast<std::size_t>(n);
  sink.total += got;
  const std::size_t room = sink.kept < cap ? cap - sink.kept : 0;
  const std::size_t keep = std::min(room, got);
  if (keep > 0 && sink.file.is_open()) sink.file.write(buf, static_cast<std::streamsize>(keep));
  sink.kept += keep;
  if (keep < got) sink.truncated = true;
  if (keep > 0 && sink.times.is_open()) sink.times << sink.kept << ' ' << core::mono_ns() << '\n';
  return true;
}

// Ends every process that carries our token in its environment: children that left
// the process group (setsid, double fork) still inherit the environment.
int kill_leftovers(const std::string& token) {
  const std::string needle = fmt::format("{}={}", kTokenVar, token);
  int killed = 0;
  for (int round = 0; round < 20; ++round) {
    int found = 0;
    DIR* dir = opendir("/proc");
    if (dir == nullptr) return killed;
    while (dirent* entry = readdir(dir)) {
      char* end = nullptr;
      const long pid = std::strtol(entry->d_name, &end, 10);
      if (*end != '\0' || pid <= 1 || pid == getpid()) continue;
      std::ifstream env(fmt::format("/proc/{}/environ", pid), std::ios::binary);
      std::string content((std::istreambuf_iterator<char>(env)), std::istreambuf_iterator<char>());
      std::size_t pos = 0;
      bool match = false;
      while (pos < content.size()) {
        auto next = content.find('\0', pos);
        if (next == std::string::npos) next = content.size();
        if (content.compare(pos, next - pos, needle) == 0) match = true;
        pos = next + 1;
      }
      if (match && kill(static_cast<pid_t>(pid), SIGKILL) == 0) ++found;
    }
    closedir(dir);
    killed += found;
    if (found == 0) break;
    usleep(5000);
  }
  return killed;
}

int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  return -1;
#endif
}

}  // namespace

std::optional<std::string> find_program(const std::string& name, const std::string& path) {
  if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0 ? std::optional(name) : std::nullopt;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    auto candidate = path.substr(start, end - start) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return std::nullopt;
}

void request_cancel() { g_cancel = 1; }
bool cancel_requested() { return g_cancel != 0; }

std::string ProcResult::describe() const {
  if (cancelled) return "cancelled";
  if (timed_out) return fmt::format("timed out after {:.1f} s", wall_s);
  if (term_signal != 0) return fmt::format("killed by signal {} ({})", term_signal, strsignal(term_signal));
  return fmt::format("exit {}", exit_code);
}

std::map<std::string, std::string> allowlisted_env() {
  std::map<std::string, std::string> env;
  for (const char* name : {"PATH", "LANG", "LC_ALL", "TZ", "TERM"}) {
    if (const char* v = std::getenv(name)) env[name] = v;
  }
  if (!env.count("PATH")) env["PATH"] = "/usr/local/bin:/usr/bin:/bin";
  return env;
}

int start_in_group(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                   const std::filesystem::path& cwd, int stdout_fd, int stderr_fd) {
  if (argv.empty()) throw core::InfraError("spawn: empty command line");
  const std::string program = resolve_program(argv[0], env);
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, argvp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& s : argv_copy) argvp.push_back(s.data());
  argvp.push_back(nullptr);
  const std::string dir = cwd.string();
  int exec_pipe[2];
  if (pipe2(exec_pipe, O_CLOEXEC) != 0) throw core::InfraError(fmt::format("spawn: pipe failed: {}", std::strerror(errno)));

  const pid_t pid = fork();
  if (pid < 0) {
    close(exec_pipe[0]);
    close(exec_pipe[1]);
    throw core::InfraError(fmt::format("spawn: fork failed: {}", std::strerror(errno)));
  }
  if (pid == 0) {
    setpgid(0, 0);
    const int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(stdout_fd, 1);
    dup2(stderr_fd, 2);
    close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    signal(SIGPIPE, SIG_DFL);
    int e = 0;
    if (!dir.empty() && chdir(dir.c_str()) != 0) {
      e = errno;
    } else {
      execve(program.c_str(), argvp.data(), envp.data());
      e = errno;
    }
    (void)!write(exec_pipe[1], &e, sizeof e);
    _exit(127);
  }
  setpgid(pid, pid);  // also in the parent: no race with kill(-pid)
  close(exec_pipe[1]);
  int exec_errno = 0;
  const bool failed = read(exec_pipe[0], &exec_errno, sizeof exec_errno) == sizeof exec_errno;
  close(exec_pipe[0]);
  if (failed) {
    waitpid(pid, nullptr, 0);
    throw core::InfraError(fmt::format("cannot run '{}'{}: {}", argv[0], dir.empty() ? "" : " in " + dir,
                                       std::strerror(exec_errno)));
  }
  return pid;
}

ProcResult run(const SpawnSpec& spec) {
  if (spec.argv.empty()) throw core::InfraError("spawn: empty command line");
  const std::string token = new_token();
  auto env_map = spec.env;
  env_map[kTokenVar] = token;

  Sink out, err;
  open_sink(out, spec.stdout_path);
  if (!spec.stdout_times_path.empty()) out.times.open(spec.stdout_times_path, std::ios::trunc);
  open_sink(err, spec.stderr_path);
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) throw core::InfraError(fmt::format("spawn: pipe failed: {}", std::strerror(errno)));
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    throw core::InfraError(fmt::format("spawn: pipe failed: {}", std::strerror(errno)));
  }

  const auto started = core::Clock::now();
  pid_t pid = -1;
  try {
    pid = start_in_group(spec.argv, env_map, spec.cwd, out_pipe[1], err_pipe[1]);
  } catch (...) {
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) close(fd);
    throw;
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  out.fd = out_pipe[0];
  err.fd = err_pipe[0];

  ProcResult result;
  const int pidfd = open_pidfd(pid);
  bool exited = false, term_sent = false;
  int status = 0;
  rusage usage{};
  const auto deadline = started + spec.timeout;
  auto kill_at = core::Clock::time_point::max();

  while (!exited) {
    auto now = core::Clock::now();
    if (g_cancel != 0 && !term_sent) {
      result.cancelled = true;
      term_sent = true;
      kill(-pid, SIGTERM);
      kill_at = now + std::chrono::milliseconds(500);
    }
    if (spec.timeout.count() > 0 && !term_sent && now >= deadline) {
      result.timed_out = true;
      term_sent = true;
      kill(-pid, SIGTERM);
      kill_at = now + spec.kill_grace;
    }
    if (now >= kill_at) {
      kill(-pid, SIGKILL);
      kill_at = core::Clock::time_point::max();
    }
    pollfd fds[3];
    nfds_t n = 0;
    if (out.fd >= 0) fds[n++] = {out.fd, POLLIN, 0};
    if (err.fd >= 0) fds[n++] = {err.fd, POLLIN, 0};
    if (pidfd >= 0) fds[n++] = {pidfd, POLLIN, 0};
    int wait_ms = pidfd >= 0 ? 100 : 20;  // also how soon a cancel request is seen
    const auto next = term_sent ? kill_at : (spec.timeout.count() > 0 ? deadline : core::Clock::time_point::max());
    if (next != core::Clock::time_point::max()) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count() + 1;
      wait_ms = static_cast<int>(std::clamp<long long>(ms, 0, wait_ms));
    }
    poll(fds, n, wait_ms);
    for (nfds_t i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      Sink* s = fds[i].fd == out.fd ? &out : fds[i].fd == err.fd ? &err : nullptr;
      if (s != nullptr && !drain(*s, spec.output_cap)) {
        close(s->fd);
        s->fd = -1;
      }
    }
    if (wait4(pid, &status, WNOHANG, &usage) == pid) exited = true;
  }
  result.wall_s = core::seconds_between(started, core::Clock::now());
  if (pidfd >= 0) close(pidfd);

  // The leader is gone: end the rest of its group and anything that escaped it, so
  // the pipes reach EOF and nothing outlives the attempt.
  kill(-pid, SIGKILL);
  result.leftovers_killed = kill_leftovers(token);
  for (Sink* s : {&out, &err}) {
    if (s->fd < 0) continue;
    fcntl(s->fd, F_SETFL, O_NONBLOCK);
    pollfd p{s->fd, POLLIN, 0};
    while (poll(&p, 1, 200) > 0 && drain(*s, spec.output_cap)) {
    }
    close(s->fd);
  }

  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.term_signal = WTERMSIG(status);
  result.user_s = static_cast<double>(usage.ru_utime.tv_sec) + static_cast<double>(usage.ru_utime.tv_usec) / 1e6;
  result.sys_s = static_cast<double>(usage.ru_stime.tv_sec) + static_cast<double>(usage.ru_stime.tv_usec) / 1e6;
  result.max_rss_kb = usage.ru_maxrss;
  result.stdout_bytes = out.total;
  result.stderr_bytes = err.total;
  result.stdout_truncated = out.truncated;
  result.stderr_truncated = err.truncated;
  return result;
}

}  // namespace agentrace::proc
