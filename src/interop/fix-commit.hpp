#pragma once
// A bug-fix commit read from a repository: its parent is the task's base, its changes
// split into the shipped fix (source) and the hidden tests (test files) by path globs.
#include <filesystem>
#include <string>
#include <vector>

namespace agentrace::interop {

// The globs a file must match to count as a test file when the user names none
// (docs/tasks-from-history.md): test folders and the usual test-file names.
std::vector<std::string> default_test_globs();

struct FixCommit {
  std::filesystem::path repo;       // a git dir or work tree the commands run in
  std::string fix, base;            // full commit ids
  std::string subject, body;        // the commit message
  std::vector<std::string> source_paths, test_paths;  // changed paths, sorted
  std::string fix_patch, test_patch;  // binary-safe diffs base..fix of each set
};

// Reads `fix` in `repo` (a local repository; clone URLs first). Throws core::UsageError
// naming what to do for a merge commit, a root commit, an unknown id, a fix without test
// changes or without source changes.
FixCommit read_fix_commit(const std::filesystem::path& repo, const std::string& fix,
                          const std::vector<std::string>& test_globs);

// The non-empty fields of text between separators (git's -z lists, rev-list lines).
std::vector<std::string> split(const std::string& text, char sep);

// The language most of the source changes are written in ("other" when none is known).
std::string guess_language(const std::vector<std::string>& paths);

}  // namespace agentrace::interop
