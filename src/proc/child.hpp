#pragma once
// A long-running helper process (a simulated endpoint for a race): started in its own
// process group, its first stdout line read (where it listens), ended with the race.
#include <chrono>
#include <optional>
#include <string>

#include "proc/sink.hpp"
#include "proc/spawn.hpp"

namespace agentrace::proc {

class Child {
 public:
  // Starts spec.argv (stdin /dev/null, stderr to spec.stderr_path or discarded); throws
  // core::InfraError when it cannot start (not found, not executable, no such cwd).
  explicit Child(const SpawnSpec& spec);
  ~Child();  // stop()
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // The next line the child prints on stdout; throws core::InfraError on time-out or
  // exit, with the child's stderr tail.
  std::string read_line(std::chrono::milliseconds timeout);
  // TERM to the group, KILL after a grace period; waits for the child.
  void stop();

 private:
  LineSink lines_;
  std::optional<Process> process_;
  std::string stderr_path_;
};

}  // namespace agentrace::proc
