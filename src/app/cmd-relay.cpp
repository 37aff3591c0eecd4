// `agentrace relay --listen 127.0.0.1:PORT --unix /run/model/proxy.sock [-- CMD ARGS...]`:
// runs inside the sandbox, whose network namespace cannot reach host loopback, and passes
// the agent's model traffic to the proxy's Unix socket (bind-mounted in). It exits when
// its parent dies (PR_SET_PDEATHSIG) or on SIGTERM/SIGINT. With a command after `--` it
// starts that command once it listens (AGENTRACE_RELAY_PORT tells it the port) and exits
// with the command's status. With --rusage-fd N it is the command's subreaper and writes
// the CPU time and peak memory of the command and everything it started (processes that
// ended before it did) as JSON to descriptor N, which the host opened on a file of its own
// (outside the sandbox only bwrap's own usage is visible); the command inherits neither N
// nor, the relay being undumpable, a way to it through /proc, so it cannot forge them.
// With --token-stdin it reads the attempt's route token from the first line of stdin
// (never argv or the environment: both are readable by others) and opens each proxy
// connection with it; the command gets /dev/null as stdin, and the relay is not
// dumpable, so the command cannot read the token from its memory.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "app/commands.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "net/byte-relay.hpp"

namespace agentrace::app {
namespace {

struct RelayArgs {
  std::string listen = "127.0.0.1:0";
  std::string unix_path;
  std::vector<std::string> command;
  int rusage_fd = -1;
  bool token_stdin = false;
};

// The first line of stdin, then stdin becomes /dev/null for the command.
std::string take_token_line() {
  std::string line;
  char c = 0;
  while (line.size() < 256 && read(0, &c, 1) == 1 && c != '\n') line += c;
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0 || dup2(null_fd, 0) < 0) throw core::InfraError("--token-stdin: cannot put /dev/null on stdin");
  if (null_fd != 0) close(null_fd);
  if (line.empty()) throw core::UsageError("--token-stdin: stdin held no token line");
  return line + "\n";
}

// Blocks the signals that end the relay and returns a signalfd that reads them.
int signal_fd() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGCHLD}) sigaddset(&set, s);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  return signalfd(-1, &set, SFD_CLOEXEC);
}

pid_t start_child(const std::vector<std::string>& command, std::uint16_t port) {
  const pid_t pid = fork();
  if (pid != 0) return pid;
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  setenv("AGENTRACE_RELAY_PORT", std::to_string(port).c_str(), 1);
  std::vector<char*> argv;
  for (const auto& a : command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  execvp(argv[0], argv.data());
  std::perror(("agentrace relay: cannot run " + command[0]).c_str());
  _exit(127);
}

int exit_status(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

double seconds(const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; }

void write_rusage(int fd) {
  rusage ru{};
  getrusage(RUSAGE_CHILDREN, &ru);
  const auto text = "{\"user_s\": " + std::to_string(seconds(ru.ru_utime)) + ", \"sys_s\": " +
                    std::to_string(seconds(ru.ru_stime)) + ", \"max_rss_kb\": " + std::to_string(ru.ru_maxrss) + "}\n";
  (void)!write(fd, text.data(), text.size());
  close(fd);
}

// Reaps every ended child (the command's orphans too, as their subreaper); true when
// the command itself was among them.
bool reap(pid_t command, int& status) {
  bool ended = false;
  for (int st = 0;;) {
    const pid_t pid = waitpid(-1, &st, WNOHANG);
    if (pid <= 0) return ended;
    if (pid == command) {
      ended = true;
      status = st;
    }
  }
}

int run_relay(const RelayArgs& args) {
  const pid_t parent = getppid();
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  const int sfd = signal_fd();
  if (getppid() != parent) return 0;  // the parent died before prctl took effect
  // The token and the rusage channel are ours, not the command's: undumpable, so its
  // processes (the same uid) cannot open /proc/<relay>/fd, and the fd not inherited.
  if (args.token_stdin || args.rusage_fd >= 0) prctl(PR_SET_DUMPABLE, 0);
  if (args.rusage_fd >= 0 && fcntl(args.rusage_fd, F_SETFD, FD_CLOEXEC) != 0)
    throw core::UsageError(fmt::format("--rusage-fd {}: not an open descriptor", args.rusage_fd));
  std::string opening;
  if (args.token_stdin) opening = take_token_line();

  net::ListenSpec spec;
  try {
    spec = net::parse_listen(args.listen);
  } catch (const std::invalid_argument& e) {
    throw core::UsageError(std::string("--listen: ") + e.what());
  }
  if (!spec.unix_path.empty()) throw core::UsageError("--listen takes host:port; the socket goes to --unix");
  net::ByteRelay relay(spec, args.unix_path, opening);
  if (args.command.empty() && spec.port == 0) {
    std::printf("%u\n", relay.port());
    std::fflush(stdout);
  }
  if (args.rusage_fd >= 0) prctl(PR_SET_CHILD_SUBREAPER, 1);
  const pid_t child = args.command.empty() ? -1 : start_child(args.command, relay.port());
  while (true) {
    relay.run(sfd);
    signalfd_siginfo info{};
    if (read(sfd, &info, sizeof info) != sizeof info) return 1;
    if (info.ssi_signo != SIGCHLD) {
      if (child > 0) kill(child, static_cast<int>(info.ssi_signo));
      if (child <= 0) return 0;
      continue;  // wait for the command to end
    }
    int status = 0;
    if (child > 0 && reap(child, status)) {
      if (args.rusage_fd >= 0) write_rusage(args.rusage_fd);
      return exit_status(status);
    }
  }
}

}  // namespace

void register_relay(CLI::App& app) {
  auto args = std::make_shared<RelayArgs>();
  auto* cmd = app.add_subcommand("relay", "Relay TCP connections to a Unix socket (runs inside the sandbox)");
  cmd->add_option("--listen", args->listen, "TCP address to listen on (port 0 picks one and prints it)")
      ->capture_default_str();
  cmd->add_option("--unix", args->unix_path, "Unix socket to connect each connection to")->required();
  cmd->add_option("--rusage-fd", args->rusage_fd, "Write the command's CPU time and peak memory (JSON) to this open descriptor");
  cmd->add_flag("--token-stdin", args->token_stdin,
                "Open each connection with the route token read from stdin's first line (keeps it out of argv)");
  cmd->add_option("command", args->command, "Command to run once listening (after --)");
  cmd->callback([args] { exit_code() = run_relay(*args); });
}

}  // namespace agentrace::app
