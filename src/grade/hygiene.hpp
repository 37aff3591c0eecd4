#pragma once
// Hygiene checks: what a reviewer would reject in a diff that passes the tests. Each
// flag is named and shown; any flag moves a passing attempt (Solid or Complete) down
// one grade. See docs/grading.md.
#include <string>
#include <vector>

#include "record/grading.hpp"

namespace agentrace::grade {

using record::HygieneFlag;
using record::tampered_detail;

struct DiffFile {
  std::string path;      // unquoted (git C-quotes unusual names)
  std::string text;      // the file's whole section of the diff, headers included
  bool added = false;    // new file
  bool deleted = false;
  std::vector<std::string> added_lines;
  int changed_lines = 0;  // added + removed
};

// Parses a unified git diff into files with their added lines.
std::vector<DiffFile> parse_diff(const std::string& diff);
bool is_test_path(const std::string& path);

// `build_log` is the setup step's output (compiler warnings are read from it).
std::vector<HygieneFlag> check_hygiene(const std::string& attempt_diff, const std::string& fix_diff,
                                       const std::string& build_log);

// The grade after hygiene: a flagged Solid or Complete attempt loses one grade; a
// tampered attempt is a Miss.
int apply_hygiene(int grade, const std::vector<HygieneFlag>& flags);

}  // namespace agentrace::grade
