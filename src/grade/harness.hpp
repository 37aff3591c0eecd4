#pragma once
// The test harness is the task's, not the agent's (docs/grading.md, "Tampering"): the
// hidden tests, the files they rely on, the files the test commands name and the task's
// protected globs. Before grading, an attempt's changes to them are left out of its diff,
// so the tiers run on the base's harness; a change to any of them (existing test cases
// excepted) marks the attempt tampered.
#include <filesystem>
#include <string>
#include <vector>

#include "suite/task.hpp"

namespace agentrace::grade {

struct Touch {
  std::string path;
  std::string why;  // which rule protects it
};

struct ScreenedDiff {
  std::string kept;                   // the sections that are applied
  std::vector<Touch> tampered;        // left out, and the attempt is tampered
  std::vector<std::string> restored;  // existing test cases beside the hidden tests: left out, no flag
};

// gitignore-like globs: '*' and '?' match within a name, '**' any number of folders; a
// glob without '/' matches a name at any depth, a leading '/' anchors it at the root. A
// glob matches a path when it matches the path or one of its folders.
bool glob_match(const std::string& glob, const std::string& path);

// The paths the hidden tests are written to (files of the hidden folder, or the hidden patch's).
std::vector<std::string> hidden_test_paths(const suite::Task& task);

// Sorts the diff's files into kept, tampered and restored.
ScreenedDiff screen_diff(const suite::Task& task, const std::string& diff);

// "path (why), ..." for the grade detail and the tampered flag.
std::string touches_text(const std::vector<Touch>& touches);

// Writes the hidden tests into a checkout without following any link: a link at or above
// a hidden test's path is refused (core::InfraError), so nothing lands outside the checkout.
void place_hidden_tests(const suite::Task& task, const std::filesystem::path& checkout);

}  // namespace agentrace::grade
