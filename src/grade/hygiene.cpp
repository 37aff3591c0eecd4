#include "grade/hygiene.hpp"

#include <algorithm>
#include <regex>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "workspace/workspace.hpp"

namespace agentrace::grade {
namespace {

// Added lines that look like debugging left behind, whatever the language.
const std::regex kDebugLine(
    R"((\bpdb\.set_trace\(|\bbreakpoint\(\)|^\s*debugger;|console\.log\(|System\.out\.println\(|std::cerr\s*<<|\bDEBUG\b|\bXXX\b|print\(\s*f?["']debug))",
    std::regex::icase);

// std::regex matches recursively, a stack frame per character a `\s*` takes: a line of
// 200,000 spaces overflowed the grader's stack. Only the start of a line, after its
// indentation, is searched; debugging statements are short.
constexpr std::size_t kDebugSearched = 500;

bool debug_line(const std::string& line) {
  const auto start = line.find_first_not_of(" \t");
  return start != std::string::npos && std::regex_search(line.substr(start, kDebugSearched), kDebugLine);
}

std::string parent(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

bool in_scope(const std::string& path, const std::set<std::string>& dirs) {
  if (is_test_path(path)) return true;  // adding or extending tests is welcome
  const auto dir = parent(path);
  for (const auto& d : dirs) {
    if (d.empty() ? dir.empty() : (dir == d || dir.rfind(d + "/", 0) == 0)) return true;
  }
  return false;
}

std::string join_first(const std::vector<std::string>& items, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < n; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > n) out += fmt::format(" and {} more", items.size() - n);
  return out;
}

}  // namespace

bool is_test_path(const std::string& path) {
  static const std::regex test(R"((^|/)(tests?|__tests__|spec)/|(^|/)test_[^/]*$|_test\.[a-z]+$|\.(test|spec)\.[a-z]+$|(^|/)Test[^/]*\.java$|Tests?\.java$)");
  return std::regex_search(path, test);
}

std::vector<DiffFile> parse_diff(const std::string& diff) {
  std::vector<DiffFile> files;
  std::istringstream in(diff);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("diff --git ", 0) == 0) {
      DiffFile f;
      f.path = workspace::diff_header_path(line);
      f.text = line + "\n";
      files.push_back(std::move(f));
      continue;
    }
    if (files.empty()) continue;
    auto& f = files.back();
    f.text += line + "\n";
    if (line.rfind("new file mode", 0) == 0) {
      f.added = true;
    } else if (line.rfind("deleted file mode", 0) == 0) {
      f.deleted = true;
    } else if (line.rfind("+++", 0) == 0 || line.rfind("---", 0) == 0) {
      continue;
    } else if (!line.empty() && line[0] == '+') {
      f.added_lines.push_back(line.substr(1));
      ++f.changed_lines;
    } else if (!line.empty() && line[0] == '-') {
      ++f.changed_lines;
    }
  }
  return files;
}

std::vector<HygieneFlag> check_hygiene(const std::string& attempt_diff, const std::string& fix_diff,
                                       const std::string& build_log) {
  std::vector<HygieneFlag> flags;
  const auto attempt = parse_diff(attempt_diff);
  const auto fix = parse_diff(fix_diff);
  std::set<std::string> scope, fix_added, fix_files;
  int fix_lines = 0;
  for (const auto& f : fix) {
    scope.insert(parent(f.path));
    fix_files.insert(f.path);
    fix_lines += f.changed_lines;
    fix_added.insert(f.added_lines.begin(), f.added_lines.end());
  }

  std::vector<std::string> outside, tests, debug;
  int lines = 0;
  for (const auto& f : attempt) {
    lines += f.changed_lines;
    if (!in_scope(f.path, scope)) outside.push_back(f.path);
    if (is_test_path(f.path) && !f.added && !fix_files.count(f.path)) tests.push_back(f.path + (f.deleted ? " (deleted)" : ""));
    if (is_test_path(f.path)) continue;
    for (const auto& l : f.added_lines) {
      if (debug_line(l) && !fix_added.count(l)) debug.push_back(f.path + ": " + l.substr(0, 80));
    }
  }
  if (!outside.empty()) flags.push_back({"out_of_scope", "changed outside the fix's folders: " + join_first(outside, 5)});
  if (!tests.empty()) flags.push_back({"tests_edited", "existing tests changed: " + join_first(tests, 5)});
  if (!debug.empty()) flags.push_back({"debug_leftovers", join_first(debug, 3)});
  const int limit = std::max(50, 5 * fix_lines);
  if (lines > limit)
    flags.push_back({"oversized_diff", fmt::format("{} changed lines, the shipped fix has {} (limit {})", lines,
                                                   fix_lines, limit)});
  // Compiler warnings that point into files the attempt changed.
  std::vector<std::string> warnings;
  std::istringstream log(build_log);
  std::string line;
  while (std::getline(log, line)) {
    if (line.find("warning:") == std::string::npos) continue;
    for (const auto& f : attempt) {
      if (line.find(f.path + ":") != std::string::npos && !is_test_path(f.path)) {
        warnings.push_back(line.substr(0, 120));
        break;
      }
    }
  }
  if (!warnings.empty()) flags.push_back({"build_warnings", join_first(warnings, 2)});
  return flags;
}

int apply_hygiene(int grade, const std::vector<HygieneFlag>& flags) {
  if (std::any_of(flags.begin(), flags.end(), [](const HygieneFlag& f) { return f.check == "tampered"; })) return 0;
  return grade >= 2 && !flags.empty() ? grade - 1 : grade;
}

}  // namespace agentrace::grade
