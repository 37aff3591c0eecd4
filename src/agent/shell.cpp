#include "agent/shell.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <optional>

#include "proc/sink.hpp"
#include "proc/spawn.hpp"

extern char** environ;

namespace agentrace::agent {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// How long output may still come after the command exited (a background job holding
// the pipe) before the group is ended.
constexpr milliseconds kExitGrace{100};

// The agent's own environment, which its commands inherit.
std::map<std::string, std::string> own_env() {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const auto eq = entry.find('=');
    if (eq != std::string_view::npos) env.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return env;
}

int status_code(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

milliseconds wait_ms(Clock::time_point until) {
  return std::clamp(std::chrono::duration_cast<milliseconds>(until - Clock::now()), milliseconds(0), milliseconds(50));
}

}  // namespace

std::string cap_middle(const std::string& text, std::size_t cap) {
  proc::CappedMemorySink kept(cap);
  kept.write(text);
  return kept.text();
}

ShellResult run_shell(const std::string& command, const std::filesystem::path& cwd, milliseconds timeout,
                      std::size_t output_cap) {
  proc::SpawnSpec spec;
  spec.argv = {"/bin/bash", "-c", command};
  spec.cwd = cwd;
  spec.env = own_env();
  proc::CappedMemorySink output(output_cap);
  proc::Process shell(spec, output, &output, false);
  ShellResult r;
  const auto deadline = Clock::now() + timeout;
  std::optional<Clock::time_point> exited_at;
  while (true) {
    if (!exited_at && shell.try_wait()) exited_at = Clock::now();
    if (exited_at && (!shell.reading() || Clock::now() - *exited_at > kExitGrace)) break;
    if (Clock::now() >= deadline) {
      r.timed_out = true;
      break;
    }
    shell.pump(wait_ms(deadline));
  }
  shell.signal(SIGKILL);
  shell.wait();
  r.exit_code = status_code(shell.status());
  r.output = output.text();
  r.total_bytes = output.total();
  return r;
}

}  // namespace agentrace::agent
