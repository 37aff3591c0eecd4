#pragma once
// Helpers shared by tests: paths to the real binary and test data, running a command.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace agentrace::test {

std::filesystem::path binary();         // the built agentrace
std::filesystem::path source_dir();     // the repository root
std::filesystem::path data_dir();       // tests/data
std::filesystem::path golden_dir();     // tests/golden

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};
// Runs `bash -c command` and captures both streams.
CommandResult run_command(const std::string& command);

// Shell lines that make a minimal root file system at ROOT (the host's bash and the libraries
// it loads, /etc/image-marker) for `umoci insert`: an image made here in half a second.
std::string bash_rootfs_script(const std::filesystem::path& root);

// A background process (argv[0] a path) with stdout and stderr in files (an empty
// path leaves that stream as ours) and stdin /dev/null; SIGTERM on destruction.
class Process {
 public:
  Process(const std::vector<std::string>& argv, const std::filesystem::path& out, const std::filesystem::path& err);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  int stop();  // SIGTERM, then its exit status (128 + signal when killed)
  int wait();  // its exit status once it ends by itself
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// Waits (up to `timeout`) until `file` holds `marker`; returns its text, "" on time-out.
std::string wait_for(const std::filesystem::path& file, const std::string& marker,
                     std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Compares text with a golden file; with AGENTRACE_UPDATE_GOLDEN=1 rewrites it instead.
// Returns an empty string when equal, else a message with the first difference.
std::string compare_golden(const std::string& name, const std::string& actual);

// A record from JSON text, as the store reads it (core/json-fields.hpp).
template <class T>
T parse_record(const std::string& text) {
  return nlohmann::json::parse(text).get<T>();
}

// A record as the store keeps it: for messages and substring checks.
template <class T>
std::string record_text(const T& v) {
  return nlohmann::json(v).dump();
}
template <class T>
std::string record_text(const std::optional<T>& v) {
  return v ? record_text(*v) : "null";
}

}  // namespace agentrace::test
