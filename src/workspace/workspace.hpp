#pragma once
// Repositories and per-attempt workspaces. The cache holds, per task, a bare
// repository with only the history reachable from the base commit: the shipped fix
// and the hidden tests never enter it, so no clone of it can contain them.
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "sandbox/sandbox.hpp"
#include "suite/task.hpp"

namespace agentrace::workspace {

struct BaseRepo {
  std::filesystem::path path;      // bare repository, branch main = base
  std::string base_commit;
  std::filesystem::path checkout;  // a pristine clone of it, copied for each attempt
};

class RepoCache {
 public:
  explicit RepoCache(std::filesystem::path root);
  // Builds the task's base repository at first use (thread- and process-safe).
  BaseRepo base(const suite::Task& task);

 private:
  BaseRepo build(const suite::Task& task, const std::filesystem::path& dest);
  std::filesystem::path root_;
  std::mutex mutex_;
  std::map<std::string, BaseRepo> ready_;
};

// A fresh clone of the base at dest (no remote, objects copied, not linked): a file
// copy of the cached pristine clone, which costs no git process.
void create_workspace(const BaseRepo& base, const std::filesystem::path& dest);
// Every change against the base, new files included, as a binary-safe git diff. The
// workspace's own .git is never read: a git dir of the host's indexes the tree, in a
// sandbox (no network, no secrets, the tree read-only) unless mode is none.
std::string capture_diff(const BaseRepo& base, const std::filesystem::path& workspace, sandbox::Mode mode);
// Applies a diff (the shipped fix or a captured diff) to a checkout; throws on failure.
void apply_patch(const std::filesystem::path& checkout, const std::filesystem::path& patch_file);
// The path of a `diff --git a/X b/Y` header line, unquoted (git C-quotes unusual names);
// X == Y in diffs without renames, which lets names with spaces split in the middle.
std::string diff_header_path(const std::string& line);
// Paths the diff touches (unquoted, deduplicated, sorted).
std::vector<std::string> diff_paths(const std::string& diff);

}  // namespace agentrace::workspace
