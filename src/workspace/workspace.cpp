#include "workspace/workspace.hpp"

#include <unistd.h>

#include <algorithm>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/file-lock.hpp"
#include "core/hash.hpp"
#include "sandbox/sandbox.hpp"
#include "workspace/git.hpp"

namespace agentrace::workspace {
namespace fs = std::filesystem;
namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// The url to clone: a local path is read from the task folder.
std::string source_url(const suite::Task& t) {
  return suite::is_local_url(t.repo.url) ? suite::local_url_path(t).string() : t.repo.url;
}

std::string cache_key(const suite::Task& t) {
  core::Sha256 h;
  h.add_field(std::to_string(static_cast<int>(t.repo.kind)));
  if (t.repo.kind == suite::RepoKind::url) {
    h.add_field(source_url(t)).add_field(t.repo.commit);
    if (t.repo.submodules) h.add_field("submodules");
  } else {
    // Same content as the task hash covers, restricted to the repository source.
    for (const auto& e : fs::recursive_directory_iterator(t.repo.path)) {
      if (!e.is_regular_file()) continue;
      h.add_field(fs::relative(e.path(), t.repo.path).string());
    }
    h.add_field(t.hash);
  }
  return t.id + "-" + h.hex().substr(0, 16);
}

// Highest-precedence attributes for the host's git: a work tree's .gitattributes (the
// agent's to write) can neither convert content (eol, ident, encoding) nor name a
// filter or diff driver, so what is captured and applied is the bytes on disk.
constexpr std::string_view kPlainAttributes = "* -text !eol !crlf -ident !filter !working-tree-encoding !diff\n";

void copy_tree(const fs::path& from, const fs::path& to) {
  fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
}

// The commit in the mirror, fetching again once when a stale mirror lacks it.
std::optional<std::string> base_in_mirror(const suite::Task& task, const fs::path& mirror) {
  const auto verify = [&]() -> std::optional<std::string> {
    try {
      return trim(git(mirror, {"rev-parse", "--verify", "--quiet", task.repo.commit + "^{commit}"}));
    } catch (const core::InfraError&) {
      return std::nullopt;
    }
  };
  if (auto found = verify()) return found;
  git(mirror, {"fetch", "--quiet", "--prune", "origin"});
  try {  // a commit no branch or tag holds, from a server that serves any reachable commit
    git(mirror, {"fetch", "--quiet", "origin", task.repo.commit});
  } catch (const core::InfraError&) {
  }
  return verify();
}

// Fills `bare` with the base's history from a mirror of the url under root; returns the base.
std::string fetch_base(const suite::Task& task, const fs::path& root, const fs::path& bare) {
  const auto url = source_url(task);
  const auto mirror = root / ("mirror-" + core::sha256_hex(url).substr(0, 16) + ".git");
  const auto where = fmt::format("{}: [repo] url = \"{}\"", task.spec_file.string(), task.repo.url);
  for (int tries = 0;; ++tries) {
    try {
      if (!fs::exists(mirror)) git(root, {"clone", "--quiet", "--mirror", url, mirror.string()});
    } catch (const core::InfraError& e) {
      throw core::InfraError(fmt::format("{}: cannot be cloned: {}", where, e.what()));
    }
    const auto base = base_in_mirror(task, mirror);
    if (!base)
      throw core::InfraError(fmt::format("{}: commit {} is not in the repository, even fetched again; check "
                                         "'repo.commit'", where, task.repo.commit));
    try {
      git(mirror, {"update-ref", "refs/agentrace/base", *base});
      fs::remove_all(bare);
      git(bare.parent_path(), {"init", "--quiet", "--bare", bare.string()});
      // A fetch sends only objects reachable from the base: later commits (the fix) stay out.
      git(bare, {"fetch", "--quiet", "--no-tags", mirror.string(), "refs/agentrace/base:refs/heads/main"});
      return *base;
    } catch (const core::InfraError& e) {  // a damaged mirror (missing objects) is cloned afresh, once
      if (tries > 0)
        throw core::InfraError(fmt::format("{}: the history of commit {} is incomplete, even cloned afresh: {}", where,
                                           task.repo.commit, e.what()));
      fs::remove_all(mirror);
    }
  }
}

// Submodules at the commits the base records, in the pristine checkout every workspace
// copies. Relative submodule urls resolve against the task's url, as they would upstream.
void fetch_submodules(const suite::Task& task, const fs::path& checkout) {
  try {
    git(checkout, {"remote", "set-url", "origin", source_url(task)});
    git(checkout, {"-c", "protocol.file.allow=always", "submodule", "update", "--quiet", "--init", "--recursive"});
  } catch (const core::InfraError& e) {
    throw core::InfraError(fmt::format("{}: [repo] submodules = true: the submodules of commit {} cannot be fetched: {}",
                                       task.spec_file.string(), task.repo.commit, e.what()));
  }
}

}  // namespace

// Absolute: git runs in folders below it, where a relative root means something else.
RepoCache::RepoCache(fs::path root) : root_(fs::absolute(root)) { fs::create_directories(root_); }

BaseRepo RepoCache::base(const suite::Task& task) {
  const auto key = cache_key(task);
  std::lock_guard guard(mutex_);
  if (auto it = ready_.find(key); it != ready_.end()) return it->second;
  core::FileLock lock(root_ / (key + ".lock"));
  const auto dest = root_ / (key + ".git");
  BaseRepo repo;
  if (fs::exists(dest / "agentrace-base")) {
    repo.path = dest;
    repo.base_commit = trim(core::read_file(dest / "agentrace-base"));
  } else {
    fs::remove_all(dest);
    repo = build(task, dest);
  }
  repo.checkout = root_ / (key + ".checkout");
  if (!fs::exists(repo.checkout / ".git" / "agentrace-ready")) {
    fs::remove_all(repo.checkout);
    git(root_, {"clone", "--quiet", "--no-hardlinks", "--branch", "main", dest.string(), repo.checkout.string()});
    if (task.repo.submodules) fetch_submodules(task, repo.checkout);
    git(repo.checkout, {"remote", "remove", "origin"});
    core::write_file(repo.checkout / ".git" / "agentrace-ready", repo.base_commit + "\n");
  }
  ready_[key] = repo;
  return repo;
}

BaseRepo RepoCache::build(const suite::Task& task, const fs::path& dest) {
  const auto staging = root_ / (dest.filename().string() + ".staging");
  const auto bare = staging / "repo.git";
  fs::remove_all(staging);
  fs::create_directories(staging);
  std::string base;
  if (task.repo.kind == suite::RepoKind::url) {
    base = fetch_base(task, root_, bare);
  } else {
    const auto work = staging / "work";
    fs::create_directories(work);
    git(work, {"init", "--quiet", "."});
    if (task.repo.kind == suite::RepoKind::patches) {
      std::vector<fs::path> patches;
      for (const auto& e : fs::directory_iterator(task.repo.path)) {
        if (e.path().extension() == ".patch") patches.push_back(e.path());
      }
      std::sort(patches.begin(), patches.end());
      std::vector<std::string> args = {"am", "--quiet", "--committer-date-is-author-date"};
      for (const auto& p : patches) args.push_back(p.string());
      git(work, args);
    } else {
      copy_tree(task.repo.path, work);
      git(work, {"add", "-A"});
      git(work, {"commit", "--quiet", "--allow-empty", "-m", "base", "--date=2000-01-01T00:00:00Z"});  // an empty folder is a base too
    }
    base = trim(git(work, {"rev-parse", "HEAD"}));
    git(staging, {"clone", "--quiet", "--bare", "--no-local", work.string(), bare.string()});
    git(bare, {"remote", "remove", "origin"});
  }
  git(bare, {"symbolic-ref", "HEAD", "refs/heads/main"});
  core::write_file(bare / "agentrace-base", base + "\n");
  fs::rename(bare, dest);
  fs::remove_all(staging);
  return {dest, base};
}

void create_workspace(const BaseRepo& base, const fs::path& dest) {
  fs::create_directories(dest.parent_path());
  if (base.checkout.empty()) {
    git(dest.parent_path(), {"clone", "--quiet", "--no-hardlinks", "--branch", "main", base.path.string(),
                             dest.string()});
    git(dest, {"remote", "remove", "origin"});
    return;
  }
  fs::copy(base.checkout, dest, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  fs::remove(dest / ".git" / "agentrace-ready");
}

std::string capture_diff(const BaseRepo& base, const fs::path& workspace, sandbox::Mode mode) {
  core::TempDir tmp("agentrace-capture");
  const auto git_dir = tmp.path() / "git";
  git(tmp.path(), {"init", "--quiet", "--bare", git_dir.string()});
  core::write_file(git_dir / "objects" / "info" / "alternates", (base.path / "objects").string() + "\n");
  core::write_file(git_dir / "info" / "attributes", kPlainAttributes);
  fs::create_directories(tmp.path() / "home");
  // As root of its own namespace: files the agent made unreadable to itself are still read.
  sandbox::Spec sb{git_dir, tmp.path() / "home", {{workspace, "/tree", false}, {base.path, base.path, false}}, {},
                   git_env()};
  sb.as_root = true;
  const auto tree = mode == sandbox::Mode::bwrap ? fs::path("/tree") : workspace;
  const auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--git-dir=" + sandbox::workspace_path(sb, mode).string(), "--work-tree=" + tree.string()});
    return run_git(sandbox::wrap(sb, mode, git_argv(args)), fmt::format("git {} (diff capture)", args[2]));
  };
  run({"read-tree", base.base_commit});
  run({"add", "-A"});
  return run({"diff", "--cached", "--binary", "--no-color", "--no-ext-diff", "--no-textconv", "--no-renames",
              base.base_commit});
}

void apply_patch(const fs::path& checkout, const fs::path& patch_file) {
  if (fs::file_size(patch_file) == 0) return;
  core::write_file(checkout / ".git" / "info" / "attributes", kPlainAttributes);
  git(checkout, {"apply", "--binary", "--whitespace=nowarn", patch_file.string()});
}

}  // namespace agentrace::workspace
