#include "interop/fix-commit.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.hpp"
#include "grade/harness.hpp"
#include "workspace/git.hpp"

namespace agentrace::interop {
namespace {

std::string resolve(const std::filesystem::path& repo, const std::string& rev) {
  try {
    auto id = workspace::git(repo, {"rev-parse", "--verify", "--quiet", rev + "^{commit}"});
    while (!id.empty() && id.back() == '\n') id.pop_back();
    return id;
  } catch (const core::InfraError&) {
    throw core::UsageError(fmt::format("--fix {}: no such commit in {}; give a commit id of that repository "
                                       "(fetch it first if it lives on another remote)", rev, repo.string()));
  }
}

std::string parent_of(const std::filesystem::path& repo, const std::string& fix) {
  auto line = workspace::git(repo, {"rev-list", "--parents", "-n", "1", fix});
  while (!line.empty() && line.back() == '\n') line.pop_back();
  const auto ids = split(line, ' ');  // the commit, then its parents
  const auto count = ids.size() - 1;
  if (count == 0)
    throw core::UsageError(fmt::format("--fix {}: a root commit has no parent to be the task's base; "
                                       "give the commit that fixed the bug", fix.substr(0, 12)));
  if (count > 1)
    throw core::UsageError(fmt::format("--fix {} is a merge commit ({} parents); give the commit on the merged "
                                       "branch that holds the fix itself (or squash the branch into one commit)",
                                       fix.substr(0, 12), count));
  return ids[1];
}

std::string diff_of(const std::filesystem::path& repo, const std::string& base, const std::string& fix,
                    const std::vector<std::string>& paths) {
  if (paths.empty()) return {};
  std::vector<std::string> args = {"diff", "--binary", "--full-index", "--no-renames", "--no-color", base, fix, "--"};
  for (const auto& p : paths) args.push_back(":(literal)" + p);
  return workspace::git(repo, args);
}

}  // namespace

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find(sep, start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::vector<std::string> default_test_globs() {
  return {"test/",        "tests/",       "testing/",    "__tests__/",  "spec/",        "t/",
          "test_*.py",    "*_test.py",    "conftest.py", "*_test.go",   "*.test.js",    "*.test.mjs",
          "*.test.cjs",   "*.test.ts",    "*.spec.js",   "*.spec.ts",   "*Test.java",   "*Tests.java",
          "*_test.c",     "*_test.cc",    "*_test.cpp",  "test_*.c",    "test_*.cpp",   "*_test.rs"};
}

FixCommit read_fix_commit(const std::filesystem::path& repo, const std::string& fix,
                          const std::vector<std::string>& test_globs) {
  FixCommit c;
  c.repo = repo;
  c.fix = resolve(repo, fix);
  c.base = parent_of(repo, c.fix);
  c.subject = workspace::git(repo, {"log", "-1", "--format=%s", c.fix});
  while (!c.subject.empty() && c.subject.back() == '\n') c.subject.pop_back();
  c.body = workspace::git(repo, {"log", "-1", "--format=%b", c.fix});
  for (const auto& p : split(workspace::git(repo, {"diff", "--name-only", "-z", "--no-renames", c.base, c.fix}), '\0')) {
    const bool test = std::any_of(test_globs.begin(), test_globs.end(), [&](const auto& g) { return grade::glob_match(g, p); });
    (test ? c.test_paths : c.source_paths).push_back(p);
  }
  const auto rules = fmt::format("{}", fmt::join(test_globs, " "));
  if (c.test_paths.empty())
    throw core::UsageError(fmt::format("--fix {} changes no test file (test paths: {}); name the fix's test files "
                                       "with --test-path GLOB, or write hidden tests by hand (docs/task-format.md)",
                                       c.fix.substr(0, 12), rules));
  if (c.source_paths.empty())
    throw core::UsageError(fmt::format("--fix {} changes only test files ({}); there is no fix to race for. If some "
                                       "of them are the fix, narrow the test paths with --test-path GLOB",
                                       c.fix.substr(0, 12), fmt::join(c.test_paths, ", ")));
  c.fix_patch = diff_of(repo, c.base, c.fix, c.source_paths);
  c.test_patch = diff_of(repo, c.base, c.fix, c.test_paths);
  return c;
}

std::string guess_language(const std::vector<std::string>& paths) {
  static const std::map<std::string, std::string> by_ext = {
      {".py", "python"}, {".c", "c"},     {".h", "c"},        {".cc", "cpp"},    {".cpp", "cpp"},  {".hpp", "cpp"},
      {".js", "javascript"}, {".mjs", "javascript"}, {".cjs", "javascript"}, {".ts", "typescript"},
      {".java", "java"}, {".rs", "rust"}, {".go", "go"}, {".sh", "shell"}};
  std::map<std::string, int> votes;
  for (const auto& p : paths) {
    const auto ext = std::filesystem::path(p).extension().string();
    if (auto it = by_ext.find(ext); it != by_ext.end()) ++votes[it->second];
  }
  if (votes.count("cpp") && votes.count("c")) votes["cpp"] += votes["c"];  // headers of a C++ project
  auto best = std::max_element(votes.begin(), votes.end(), [](auto& a, auto& b) { return a.second < b.second; });
  return best == votes.end() ? "other" : best->first;
}

}  // namespace agentrace::interop
