#pragma once
// The per-attempt sandbox: bubblewrap with the workspace read-write at /workspace, a
// fresh HOME, a private /tmp, toolchains (/usr and a few /etc files) read-only, no view
// of the suite, the store or other attempts, and no network. The only way out is an
// optional folder holding the model proxy's Unix socket, bound at /run/model.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "proc/spawn.hpp"

namespace agentrace::sandbox {

enum class Mode { bwrap, none };
std::string to_string(Mode m);
Mode parse_mode(const std::string& s);  // throws UsageError naming --sandbox

inline constexpr const char* kWorkspaceMount = "/workspace";
inline constexpr const char* kHomeMount = "/home/agent";
inline constexpr const char* kSocketMount = "/run/model";

struct Mount {
  std::filesystem::path host;
  std::filesystem::path inside;
  bool writable = false;
};

// A task's environment as the sandbox shows it (built by src/env/): the same for the agent,
// the grader and the toolchain check.
struct Environment {
  std::optional<std::filesystem::path> root;  // an image's root file system instead of the host's /usr
  std::vector<Mount> mounts;               // read-only, bound after Spec::extra (so they win on a path)
  std::vector<std::string> path;           // put before PATH
  std::map<std::string, std::string> env;  // under the command's own env
  std::optional<std::filesystem::path> workdir;  // the workspace shown here too, and the commands' folder
};

struct Spec {
  std::filesystem::path workspace;             // bound read-write at /workspace
  std::filesystem::path home;                  // host folder bound read-write at /home/agent
  std::vector<Mount> extra;                    // e.g. an agent's install folder, read-only
  std::optional<std::filesystem::path> socket_dir;  // bound read-only at /run/model
  std::map<std::string, std::string> env;      // on top of HOME, PATH, LANG, USER
  bool as_root = false;                        // uid 0 of the sandbox's own namespace, not 4242
  Environment environment;
  bool network = false;                        // the host's network (an environment's setup only)
};

// Turns argv into the command that runs it inside the sandbox (or, with Mode::none,
// directly in the workspace with the same HOME and environment) and fills the
// spawn fields cwd and env.
proc::SpawnSpec wrap(const Spec& spec, Mode mode, const std::vector<std::string>& argv);

// Paths as the command sees them (they differ between bwrap and none): the workspace is
// the environment's workdir when it has one.
std::filesystem::path workspace_path(const Spec& spec, Mode mode);
std::filesystem::path home_path(const Spec& spec, Mode mode);

struct ProbeResult {
  bool works = false;
  std::string bwrap_version;  // empty when missing
  std::string detail;         // why it failed, with the fix
};
// Starts `true` in a minimal sandbox once per process; cached.
const ProbeResult& probe();

}  // namespace agentrace::sandbox
