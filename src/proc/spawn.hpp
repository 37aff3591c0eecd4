#pragma once
// The one way a command is started: its own process group, stdin from /dev/null (or
// given bytes), an explicit environment, stdout/stderr to sinks (proc/sink.hpp), ended
// as a whole group. run() adds a size cap, a time limit (TERM, then KILL) and resource
// usage; proc::Child and the built-in agent's bash tool drive a Process themselves.
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <sys/types.h>

#include "core/unique-fd.hpp"
#include "proc/sink.hpp"

namespace agentrace::proc {

struct SpawnSpec {
  std::vector<std::string> argv;
  std::filesystem::path cwd;                   // empty = inherit
  std::map<std::string, std::string> env;      // the whole environment (nothing inherited)
  std::filesystem::path stdout_path;           // empty = discard
  // When set: one line "<kept bytes so far> <core::mono_ns()>" per read of stdout, so a
  // reader can tell when each line of the output arrived.
  std::filesystem::path stdout_times_path;
  std::filesystem::path stderr_path;           // empty = discard
  // Bytes the command reads on stdin, then end of file (a secret kept out of argv and
  // the environment); empty = /dev/null. Up to a pipe's capacity (64 KiB).
  std::string stdin_data;
  // When set: this host file, made empty and opened for writing, is the command's fd 3, a
  // channel out of its sandbox (the relay's rusage: it marks the fd close-on-exec and makes
  // itself undumpable, so the agent it starts can reach neither the fd nor /proc's view of it).
  std::filesystem::path fd3_path;
  std::size_t output_cap = 64u << 20;          // bytes kept per stream; the rest is drained
  std::chrono::milliseconds timeout{0};        // 0 = none
  std::chrono::milliseconds kill_grace{2000};  // TERM -> KILL
};

struct ProcResult {
  int exit_code = -1;          // when exited normally
  int term_signal = 0;         // when killed by a signal
  bool timed_out = false;
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  std::size_t stdout_bytes = 0;  // total produced, including what the cap dropped
  std::size_t stderr_bytes = 0;
  double wall_s = 0;
  double user_s = 0;
  double sys_s = 0;
  long max_rss_kb = 0;
  int leftovers_killed = 0;    // processes still there when the command's leader ended
  bool cancelled = false;      // ended because request_cancel() was called
  bool ok() const { return !timed_out && !cancelled && term_signal == 0 && exit_code == 0; }
  std::string describe() const;  // "exit 1", "killed by SIGKILL", "timed out after 3.0 s"
};

// Blocks until the command and everything it started have ended. Throws
// core::InfraError when the command cannot be started (e.g. argv[0] not found).
ProcResult run(const SpawnSpec& spec);

// One running command: spec's argv (looked up on spec.env's PATH), cwd, env and
// stdin_data; the command leads its own process group, dies with the thread that
// started it (PR_SET_PDEATHSIG: start it from a thread that lives as long as the
// command should), holds no other descriptor of ours and has SIGPIPE at its default.
// Its stdout goes to `out`; its stderr to `err` (the same sink: one merged stream), or,
// when err is null, straight into spec.stderr_path (empty: /dev/null), for a long-lived
// helper whose stderr nobody pumps. When `supervised`, a supervisor (a child subreaper)
// sits between us and the command and ends whatever the command leaves behind once its
// leader ends. Throws core::InfraError (the child reaped) when it cannot start.
class Process {
 public:
  Process(const SpawnSpec& spec, Sink& out, Sink* err, bool supervised);
  ~Process();  // KILL to the group (what is left of it) and reap
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig) const;  // to the whole group
  bool reading() const { return static_cast<bool>(out_) || static_cast<bool>(err_); }
  // Waits up to `wait` for output or the end and hands what arrived to the sinks.
  void pump(std::chrono::milliseconds wait);
  // True once the command ended (blocking: waits for it); `usage` is the supervisor's
  // when supervised, which counts the command's.
  bool try_wait(rusage* usage = nullptr);
  void wait();
  int status() const { return status_.value_or(0); }  // the command's wait status
  int leftovers() const { return leftovers_; }        // ended by the supervisor
  // After the end: what is still in the pipes, until EOF or `quiet` without a byte.
  void drain(std::chrono::milliseconds quiet);

 private:
  void reaped(int status);
  bool read_into(core::UniqueFd& fd, Sink& sink);

  pid_t pid_ = -1;    // to wait for
  pid_t group_ = -1;  // to signal
  core::UniqueFd out_, err_, pidfd_, report_;
  Sink& out_sink_;
  Sink* err_sink_;
  bool supervised_;
  std::optional<int> status_;
  int leftovers_ = 0;
};

// Ends every running command (TERM, then KILL) and makes new ones end at once:
// for SIGINT/SIGTERM handlers (async-signal-safe: sets a flag).
void request_cancel();
bool cancel_requested();

// The full path of `name` on a PATH-style list of folders (a name with '/' is taken
// as it is when executable); nullopt when not found.
std::optional<std::string> find_program(const std::string& name, const std::string& path);

// The environment variables a child may inherit from ours (PATH, LANG, TZ, ...).
std::map<std::string, std::string> allowlisted_env();

}  // namespace agentrace::proc
