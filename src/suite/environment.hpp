#pragma once
// What a task needs to build and test, from `[environment]` in task.toml or from the suite's
// environment.toml (docs/task-format.md, "Environments"). Built by src/env/.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/toml-reader.hpp"

namespace agentrace::suite {

struct EnvMount {
  std::filesystem::path host;  // absolute
  std::filesystem::path at;    // where the sandbox sees it (absolute)
};

struct Environment {
  std::filesystem::path spec_file;          // the file that declared it (for messages)
  std::filesystem::path base;               // the folder its `files` are relative to
  std::optional<std::string> setup;         // run once per build, with network
  int setup_timeout_s = 600;
  std::vector<std::filesystem::path> files; // relative to base, copied into the folder before setup
  std::vector<EnvMount> mounts;             // read-only host paths
  std::vector<std::string> path;            // prepended to PATH ({env} = the built folder)
  std::map<std::string, std::string> env;   // added to the environment ({env} expands too)
  std::optional<std::filesystem::path> image;  // OCI image layout folder or docker/podman save tarball
  std::optional<std::filesystem::path> workdir;  // the workspace also appears here, the commands' folder (Docker's WORKDIR)
  std::string key;                          // content hash: the spec and the files it names
};

// A path the sandbox can show something at: absolute, no '..', not '/', and outside the
// sandbox's own folders (/usr, /etc, /tmp, /home, /workspace, /run, /env, ...).
bool is_free_sandbox_path(const std::string& path);

// Reads the environment's keys from a table (`[environment]` or environment.toml's root).
Environment read_environment(core::TableReader& r, const std::filesystem::path& base);
// The suite-level default next to a task folder (<suite>/environment.toml), if there is one.
std::optional<Environment> load_suite_environment(const std::filesystem::path& suite_dir);

}  // namespace agentrace::suite
