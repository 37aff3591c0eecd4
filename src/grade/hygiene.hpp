#pragma once
// Hygiene checks: what a reviewer would reject in a diff that passes the tests. Each
// flag is named and shown; any flag moves a passing attempt (Solid or Complete) down
// one grade. See docs/grading.md.
#include <string>
#include <vector>


namespace agentrace::grade {

struct HygieneFlag {
  std::string check;   // out_of_scope | tests_edited | debug_leftovers | oversized_diff | build_warnings | tampered
  std::string detail;  // which files or lines
};

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
std::string hygiene_json(const std::vector<HygieneFlag>& flags);
// The flags of a stored hygiene_json ([] when it is empty or malformed).
std::vector<HygieneFlag> parse_hygiene_json(const std::string& text);
// The tampered flag's detail ("" when the attempt is not tampered).
std::string tampered_detail(const std::string& hygiene_json);

}  // namespace agentrace::grade
