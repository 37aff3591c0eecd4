#pragma once
// Task environments (suite/environment.hpp): built once per content key into
// <work>/envs/<key>/root with network, under a cross-process lock, then mounted read-only
// at /env, offline, for every attempt's agent and grader alike.
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/sandbox.hpp"
#include "suite/environment.hpp"
#include "suite/task.hpp"

namespace agentrace::env {

inline constexpr const char* kMount = "/env";

struct Built {
  std::string key;
  std::filesystem::path root;  // the environment's folder on the host (/env in the sandbox)
  std::optional<std::filesystem::path> rootfs;  // an image's unpacked root file system
  double build_s = 0;          // what its build took (when it was built, maybe by another run)
  bool reused = false;         // found built
};

class Cache {
 public:
  Cache(std::filesystem::path dir, sandbox::Mode mode);
  // Builds the environment unless built; throws UsageError naming the setup log on failure.
  Built ensure(const suite::Environment& e);
  // What the sandbox shows of a built environment.
  sandbox::Environment view(const suite::Environment& e, const Built& b) const;
  const std::filesystem::path& dir() const { return dir_; }

 private:
  Built build(const suite::Environment& e, const std::filesystem::path& dest);
  std::filesystem::path dir_;
  std::filesystem::path relay_;  // for image roots: made at the first one
  sandbox::Mode mode_;
  std::mutex mutex_;
  std::map<std::string, Built> ready_;
};

// The environments of a race's tasks, built before any attempt, by task id.
struct Prepared {
  std::map<std::string, sandbox::Environment> views;
  std::vector<Built> built;  // one per distinct environment
  double seconds = 0;        // spent here, building or finding them
  const sandbox::Environment& of(const std::string& task_id) const;
};
Prepared prepare(Cache& cache, const std::vector<const suite::Task*>& tasks);

// The tools among `tools` that the sandbox, with this environment, cannot find on its PATH.
std::vector<std::string> missing_tools(const std::vector<std::string>& tools, const sandbox::Environment& view,
                                       sandbox::Mode mode);

struct Entry {
  std::string key;
  std::filesystem::path dir;
  std::string spec_file;
  std::string built_at;
  double build_s = 0;
  std::uintmax_t bytes = 0;
};
std::vector<Entry> list(const std::filesystem::path& cache_dir);
// Removes every environment whose key is not in `keep`, and unfinished builds; returns what went.
std::vector<std::string> prune(const std::filesystem::path& cache_dir, const std::vector<std::string>& keep);

}  // namespace agentrace::env
