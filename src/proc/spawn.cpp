#include "proc/spawn.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/prctl.h>

#include <algorithm>
#include <csignal>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/unique-fd.hpp"

namespace agentrace::proc {
namespace {

volatile std::sig_atomic_t g_cancel = 0;

// Finds argv[0] on the child's PATH before fork (execvpe is not async-signal-safe).
std::string resolve_program(const std::string& name, const std::map<std::string, std::string>& env) {
  if (name.find('/') != std::string::npos) return name;  // execve says why, if it cannot run
  auto it = env.find("PATH");
  const std::string path = it != env.end() ? it->second : "/usr/local/bin:/usr/bin:/bin";
  if (auto found = find_program(name, path)) return *found;
  throw core::InfraError(fmt::format("'{}' not found on PATH ({}); install it or give its full path",
                                     name, path));
}

// A pipe already holding `data` and closed for writing; returns its read end (none when
// there is no data).
core::UniqueFd stdin_pipe(const std::string& data) {
  if (data.empty()) return {};
  auto pipe = core::make_pipe("spawn");
  if (write(pipe.write.get(), data.data(), data.size()) != static_cast<ssize_t>(data.size()))
    throw core::InfraError(fmt::format("spawn: stdin of {} bytes does not fit a pipe", data.size()));
  return std::move(pipe.read);
}

core::UniqueFd open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  return core::UniqueFd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
#else
  (void)pid;
  return {};
#endif
}

// What a child writes on its report pipe once the command started (or failed): the
// command's pid (from a supervisor) and the errno (0 when it runs).
struct Report {
  pid_t pid;
  int value;
};

// A supervisor's last words: the command's wait status, and how many processes it
// left behind that had to be ended.
struct Ending {
  int status;
  int leftovers;
};

// A command line made ready before fork: after it the child may not allocate (the
// parent has other threads, one of which may hold malloc's lock).
class Prepared {
 public:
  Prepared(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
           const std::filesystem::path& cwd)
      : name_(argv.empty() ? "" : argv[0]), program_(argv.empty() ? "" : resolve_program(argv[0], env)),
        args_(argv), dir_(cwd.string()) {
    if (argv.empty()) throw core::InfraError("spawn: empty command line");
    for (const auto& [k, v] : env) env_.push_back(k + "=" + v);
    for (auto& a : args_) argvp_.push_back(a.data());
    argvp_.push_back(nullptr);
    for (auto& e : env_) envp_.push_back(e.data());
    envp_.push_back(nullptr);
  }
  const std::string& name() const { return name_; }
  const std::string& dir() const { return dir_; }
  int stdin_fd = -1;  // what the command reads; -1: /dev/null
  int fd3 = -1;       // what becomes its fd 3; -1: none

  // In the child: leads its own process group, dies with the thread that forked it,
  // reads stdin_fd, writes the given descriptors, holds no other descriptor of ours
  // (Asio opens sockets without CLOEXEC) and has SIGPIPE at its default; on failure
  // writes {0, errno} to report_fd.
  [[noreturn]] void exec(pid_t parent, int stdout_fd, int stderr_fd, int report_fd) const {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // it died before prctl
    dup2(stdin_fd >= 0 ? stdin_fd : open("/dev/null", O_RDONLY), 0);
    dup2(stdout_fd, 1);
    dup2(stderr_fd, 2);
    if (fd3 >= 0) {
      if (report_fd == 3) report_fd = fcntl(report_fd, F_DUPFD_CLOEXEC, 4);
      if (fd3 == 3) fcntl(3, F_SETFD, 0);  // dup2 onto itself would keep close-on-exec
      else dup2(fd3, 3);
    }
    close_range(fd3 >= 0 ? 4 : 3, ~0U, CLOSE_RANGE_CLOEXEC);
    signal(SIGPIPE, SIG_DFL);
    Report r{0, 0};
    if (!dir_.empty() && chdir(dir_.c_str()) != 0) {
      r.value = errno;
    } else {
      execve(program_.c_str(), argvp_.data(), envp_.data());
      r.value = errno;
    }
    (void)!write(report_fd, &r, sizeof r);
    _exit(127);
  }

 private:
  std::string name_, program_;
  std::vector<std::string> args_, env_;
  std::vector<char*> argvp_, envp_;
  std::string dir_;
};

volatile std::sig_atomic_t g_parent_gone = 0;  // in the supervisor only
extern "C" void on_parent_gone(int) { g_parent_gone = 1; }

// The parent of a process (from /proc/PID/stat), -1 when gone or a zombie.
// Async-signal-safe: runs in the supervisor.
pid_t living_parent_of(const char* pid_text) {
  char path[64] = "/proc/";
  std::size_t n = 6;
  for (const char* c = pid_text; *c != '\0' && n < sizeof path - 6; ++c) path[n++] = *c;
  std::memcpy(path + n, "/stat", 6);
  char buf[512];
  const ssize_t got = read(core::UniqueFd(open(path, O_RDONLY | O_CLOEXEC)).get(), buf, sizeof buf - 1);
  if (got <= 0) return -1;
  buf[got] = '\0';
  const char* paren = std::strrchr(buf, ')');  // the name may hold ')' itself
  if (paren == nullptr || paren[1] == '\0' || paren[2] == 'Z') return -1;
  pid_t ppid = 0;
  for (const char* c = paren + 4; *c >= '0' && *c <= '9'; ++c) ppid = ppid * 10 + (*c - '0');
  return ppid;
}

// SIGKILL to every living child of this process.
void kill_children() {
  const core::UniqueFd dir(open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir) return;
  const pid_t self = getpid();
  alignas(dirent64) char buf[8192];
  for (ssize_t n; (n = getdents64(dir.get(), buf, sizeof buf)) > 0;) {
    for (ssize_t off = 0; off < n;) {
      const auto* d = reinterpret_cast<const dirent64*>(buf + off);
      off += d->d_reclen;
      if (d->d_name[0] < '1' || d->d_name[0] > '9' || living_parent_of(d->d_name) != self) continue;
      pid_t pid = 0;
      for (const char* c = d->d_name; *c != '\0'; ++c) pid = pid * 10 + (*c - '0');
      kill(pid, SIGKILL);
    }
  }
}

// Between run() and the command: a child subreaper, so every process the command
// leaves behind (setsid, double fork, a cleared environment) becomes its child and is
// ended when the command's leader ends, or at once when agentrace dies (even kill -9:
// its parent-death signal). Async-signal-safe calls only.
[[noreturn]] void supervise(const Prepared& p, pid_t parent, int stdout_fd, int stderr_fd, int report_fd) {
  struct sigaction sa {};
  sa.sa_handler = on_parent_gone;  // no SA_RESTART: waitpid returns EINTR
  sigaction(SIGTERM, &sa, nullptr);
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent) _exit(127);
  int exec_pipe[2];
  Report start{0, 0};
  if (pipe2(exec_pipe, O_CLOEXEC) != 0) {  // not make_pipe: no allocation after fork
    start.value = errno;
    (void)!write(report_fd, &start, sizeof start);
    _exit(127);
  }
  const core::UniqueFd exec_read(exec_pipe[0]);
  core::UniqueFd exec_write(exec_pipe[1]);
  const pid_t self = getpid();
  start.pid = fork();
  if (start.pid == 0) p.exec(self, stdout_fd, stderr_fd, exec_write.get());
  exec_write.reset();
  Report failed{0, 0};
  if (start.pid < 0) start.value = errno;
  else if (read(exec_read.get(), &failed, sizeof failed) == sizeof failed) start.value = failed.value;
  (void)!write(report_fd, &start, sizeof start);
  // Hold none of the parent's pipes and sockets while the command runs.
  if (report_fd > 0) close_range(0, static_cast<unsigned>(report_fd) - 1, 0);
  close_range(static_cast<unsigned>(report_fd) + 1, ~0U, 0);
  Ending end{0, 0};
  while (start.pid > 0 && waitpid(start.pid, &end.status, 0) < 0 && errno == EINTR) {
    if (g_parent_gone) kill(-start.pid, SIGKILL);
  }
  for (;;) {  // the leader is gone: end its group and everything that was orphaned
    if (start.pid > 0) kill(-start.pid, SIGKILL);
    pid_t reaped = 0;
    while ((reaped = waitpid(-1, nullptr, WNOHANG)) > 0) ++end.leftovers;
    if (reaped < 0 && errno == ECHILD) break;  // the usual case: nothing left, no /proc scan
    if (reaped < 0) continue;                  // EINTR
    kill_children();
    if (waitpid(-1, nullptr, 0) > 0) ++end.leftovers;
  }
  (void)!write(report_fd, &end, sizeof end);
  _exit(0);
}

struct Started {
  pid_t pid = -1;         // to wait for
  pid_t group = -1;       // to signal
  core::UniqueFd report;  // the supervisor's end report; none when not supervised
};

// Forks and execs `p` (under a supervisor when asked); returns once it runs, throws
// core::InfraError (the child reaped) when it could not start.
Started start(const Prepared& p, int stdout_fd, int stderr_fd, bool supervised) {
  auto report = core::make_pipe("spawn");
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw core::InfraError(fmt::format("spawn: fork failed: {}", std::strerror(errno)));
  if (pid == 0) {
    if (supervised) supervise(p, parent, stdout_fd, stderr_fd, report.write.get());
    p.exec(parent, stdout_fd, stderr_fd, report.write.get());
  }
  if (!supervised) setpgid(pid, pid);  // also in the parent: no race with kill(-pid)
  report.write.reset();
  Report r{0, 0};
  const ssize_t got = read(report.read.get(), &r, sizeof r);
  const bool ok = supervised ? got == sizeof r && r.value == 0 && r.pid > 0 : got == 0;
  if (!ok) {
    waitpid(pid, nullptr, 0);
    throw core::InfraError(fmt::format("cannot run '{}'{}: {}", p.name(), p.dir().empty() ? "" : " in " + p.dir(),
                                       got == sizeof r ? std::strerror(r.value) : "its supervisor died"));
  }
  if (!supervised) return {pid, pid, {}};
  return {pid, r.pid, std::move(report.read)};
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

Process::Process(const SpawnSpec& spec, Sink& out, Sink* err, bool supervised)
    : out_sink_(out), err_sink_(err), supervised_(supervised) {
  Prepared command(spec.argv, spec.env, spec.cwd);
  auto out_pipe = core::make_pipe("spawn");
  std::optional<core::Pipe> err_pipe;
  core::UniqueFd err_file;
  int err_fd = out_pipe.write.get();
  if (err == nullptr) {
    const auto path = spec.stderr_path.empty() ? std::string("/dev/null") : spec.stderr_path.string();
    err_file.reset(open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!err_file) throw core::InfraError(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
    err_fd = err_file.get();
  } else if (err != &out) {
    err_pipe = core::make_pipe("spawn");
    err_fd = err_pipe->write.get();
  }
  const auto in = stdin_pipe(spec.stdin_data);
  command.stdin_fd = in.get();
  core::UniqueFd fd3;
  if (!spec.fd3_path.empty()) {
    fd3.reset(open(spec.fd3_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd3) throw core::InfraError(fmt::format("cannot write {}: {}", spec.fd3_path.string(), std::strerror(errno)));
    command.fd3 = fd3.get();
  }
  auto started = start(command, out_pipe.write.get(), err_fd, supervised);
  pid_ = started.pid;
  group_ = started.group;
  report_ = std::move(started.report);
  out_ = std::move(out_pipe.read);
  if (err_pipe) err_ = std::move(err_pipe->read);
  pidfd_ = open_pidfd(pid_);
}

Process::~Process() {
  if (!status_ || !supervised_) signal(SIGKILL);  // a supervisor already ended what was left
  wait();
}

void Process::signal(int sig) const { kill(-group_, sig); }

bool Process::read_into(core::UniqueFd& fd, Sink& sink) {
  char buf[65536];
  const ssize_t n = read(fd.get(), buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  if (n <= 0) {
    fd.reset();
    return false;
  }
  sink.write(std::string_view(buf, static_cast<std::size_t>(n)));
  return true;
}

void Process::pump(std::chrono::milliseconds wait) {
  pollfd fds[3];
  nfds_t n = 0;
  if (out_) fds[n++] = {out_.get(), POLLIN, 0};
  if (err_) fds[n++] = {err_.get(), POLLIN, 0};
  if (pidfd_) fds[n++] = {pidfd_.get(), POLLIN, 0};
  if (!pidfd_) wait = std::min(wait, std::chrono::milliseconds(20));  // nothing wakes us at the end
  poll(fds, n, static_cast<int>(std::max<long long>(wait.count(), 0)));
  for (nfds_t i = 0; i < n; ++i) {
    if (fds[i].revents == 0) continue;
    if (out_ && fds[i].fd == out_.get()) read_into(out_, out_sink_);
    else if (err_ && fds[i].fd == err_.get()) read_into(err_, *err_sink_);
    else if (pidfd_ && fds[i].fd == pidfd_.get()) pidfd_.reset();  // it ended: try_wait reaps it
  }
}

bool Process::try_wait(rusage* usage) {
  if (status_) return true;
  int status = 0;
  if (wait4(pid_, &status, WNOHANG, usage) != pid_) return false;
  reaped(status);
  return true;
}

void Process::wait() {
  int status = 0;
  while (!status_ && waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  if (!status_) reaped(status);
}

// The supervisor ended everything the command left, so the pipes reach EOF; its last
// words hold the command's own status.
void Process::reaped(int status) {
  status_ = status;
  pidfd_.reset();
  Ending end{};
  if (report_ && read(report_.get(), &end, sizeof end) == sizeof end) {
    status_ = end.status;
    leftovers_ = end.leftovers;
  }
  report_.reset();
}

void Process::drain(std::chrono::milliseconds quiet) {
  auto drain_one = [&](core::UniqueFd& fd, Sink& sink) {
    if (!fd) return;
    fcntl(fd.get(), F_SETFL, O_NONBLOCK);
    pollfd p{fd.get(), POLLIN, 0};
    while (fd && poll(&p, 1, static_cast<int>(quiet.count())) > 0 && read_into(fd, sink)) {
    }
    fd.reset();
  };
  drain_one(out_, out_sink_);
  if (err_sink_ != nullptr) drain_one(err_, *err_sink_);
}

namespace {

// Pumps `command` until it ends, ending its group (TERM, then KILL) at the time limit or
// on request_cancel().
void wait_within_limits(Process& command, const SpawnSpec& spec, core::Clock::time_point started,
                        ProcResult& result, rusage& usage) {
  bool term_sent = false;
  const auto deadline = started + spec.timeout;
  auto kill_at = core::Clock::time_point::max();
  while (!command.try_wait(&usage)) {
    auto now = core::Clock::now();
    if (g_cancel != 0 && !term_sent) {
      result.cancelled = term_sent = true;
      command.signal(SIGTERM);
      kill_at = now + std::chrono::milliseconds(500);
    }
    if (spec.timeout.count() > 0 && !term_sent && now >= deadline) {
      result.timed_out = term_sent = true;
      command.signal(SIGTERM);
      kill_at = now + spec.kill_grace;
    }
    if (now >= kill_at) {
      command.signal(SIGKILL);
      kill_at = core::Clock::time_point::max();
    }
    auto wait = std::chrono::milliseconds(100);  // also how soon a cancel request is seen
    const auto next = term_sent ? kill_at : (spec.timeout.count() > 0 ? deadline : core::Clock::time_point::max());
    if (next != core::Clock::time_point::max())
      wait = std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(next - now) + std::chrono::milliseconds(1),
                        std::chrono::milliseconds(0), wait);
    command.pump(wait);
  }
}

double seconds(const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; }

}  // namespace

ProcResult run(const SpawnSpec& spec) {
  if (spec.argv.empty()) throw core::InfraError("spawn: empty command line");
  FileSink out(spec.stdout_path, spec.output_cap, spec.stdout_times_path);
  FileSink err(spec.stderr_path, spec.output_cap);
  const auto started = core::Clock::now();
  Process command(spec, out, &err, true);
  ProcResult result;
  rusage usage{};
  wait_within_limits(command, spec, started, result, usage);
  result.wall_s = core::seconds_between(started, core::Clock::now());
  command.drain(std::chrono::milliseconds(200));

  const int status = command.status();
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.term_signal = WTERMSIG(status);
  result.leftovers_killed = command.leftovers();
  result.user_s = seconds(usage.ru_utime);
  result.sys_s = seconds(usage.ru_stime);
  result.max_rss_kb = usage.ru_maxrss;
  result.stdout_bytes = out.total();
  result.stderr_bytes = err.total();
  result.stdout_truncated = out.truncated();
  result.stderr_truncated = err.truncated();
  return result;
}

}  // namespace agentrace::proc
