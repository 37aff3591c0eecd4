#pragma once
// Runs one command the way an attempt needs: its own process group, stdin from
// /dev/null (or given bytes), an explicit environment, stdout/stderr to files with a
// size cap, a time limit that ends the whole group (TERM, then KILL), and resource
// usage recorded.
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

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

// The fork + exec under Child: argv[0] looked up on env's PATH, the child leads its own
// process group, dies with the thread that started it (PR_SET_PDEATHSIG: start it from
// a thread that lives as long as the child should), reads /dev/null, writes stdout_fd /
// stderr_fd, holds no other descriptor of ours and has SIGPIPE at its default. Returns
// the pid once exec succeeded; when it could not start, the child is reaped and
// core::InfraError says why. run() starts its command the same way, under a supervisor
// (a child subreaper) that ends whatever the command leaves behind.
int start_in_group(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                   const std::filesystem::path& cwd, int stdout_fd, int stderr_fd);

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
