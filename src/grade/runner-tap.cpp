// TAP, including node --test's subtests: a "# Subtest: name" line opens a level, results
// at that level are indented four spaces more, and the YAML block after a result holds its
// duration_ms and error.
#include <cstdlib>

#include "grade/runner-common.hpp"
#include "grade/runner.hpp"

namespace agentrace::grade {
namespace {

std::size_t indent_of(std::string_view line) {
  const auto n = line.find_first_not_of(' ');
  return n == std::string_view::npos ? line.size() : n;
}

// "desc # SKIP why" -> desc, directive; "\#" is a literal '#'.
std::pair<std::string, std::string> split_directive(std::string_view text) {
  std::string desc;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && (text[i + 1] == '#' || text[i + 1] == '\\')) {
      desc += text[++i];
    } else if (text[i] == '#') {
      while (!desc.empty() && desc.back() == ' ') desc.pop_back();
      return {desc, std::string(text.substr(i + 1))};
    } else {
      desc += text[i];
    }
  }
  return {desc, ""};
}

bool starts_with_word(std::string_view text, std::string_view word) {
  const auto start = text.find_first_not_of(' ');
  if (start == std::string_view::npos || text.size() - start < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(text[start + i])) != word[i]) return false;
  return true;
}

struct TapReader {
  std::vector<CaseResult> out;
  std::vector<std::string> parents;  // the open "# Subtest:" names, by level

  void subtest(std::size_t level, std::string_view name) {
    parents.resize(level);
    parents.push_back(split_directive(name).first);
  }

  void result(std::size_t level, bool ok, std::string_view rest) {
    // rest: "[number] [- ]description[ # directive]"
    std::size_t i = 0;
    while (i < rest.size() && std::isdigit(static_cast<unsigned char>(rest[i]))) ++i;
    rest.remove_prefix(i);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    if (rest.size() >= 2 && rest[0] == '-' && rest[1] == ' ') rest.remove_prefix(2);
    auto [desc, directive] = split_directive(rest);
    CaseResult c;
    c.name = desc;
    c.id = desc;
    for (std::size_t p = std::min(level, parents.size()); p-- > 0;) c.id = parents[p] + " > " + c.id;
    if (starts_with_word(directive, "SKIP") || starts_with_word(directive, "TODO")) {
      c.status = CaseStatus::skipped;
      c.message = cut_message(directive);
    } else {
      c.status = ok ? CaseStatus::passed : CaseStatus::failed;
    }
    parents.resize(std::min(level, parents.size()));
    out.push_back(std::move(c));
  }

  // A line of the YAML block under the last result.
  void detail(std::string_view text) {
    if (out.empty()) return;
    if (text.rfind("duration_ms:", 0) == 0) {
      out.back().seconds = std::strtod(std::string(text.substr(12)).c_str(), nullptr) / 1000.0;
    } else if (text.rfind("error:", 0) == 0 && out.back().message.empty()) {
      out.back().message = cut_message(text.substr(6));
    }
  }
};

}  // namespace

std::vector<CaseResult> parse_tap(std::string_view tap) {
  TapReader r;
  bool in_yaml = false;
  for_each_line(tap, [&](std::string_view line) {
    const auto indent = indent_of(line);
    const auto text = line.substr(indent);
    const auto level = indent / 4;
    if (in_yaml) {
      if (text == "...") in_yaml = false;
      else r.detail(text);
    } else if (text == "---") {
      in_yaml = true;
    } else if (text.rfind("# Subtest:", 0) == 0) {
      auto name = text.substr(10);
      while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
      r.subtest(level, name);
    } else if (text.rfind("ok", 0) == 0 && (text.size() == 2 || text[2] == ' ')) {
      r.result(level, true, text.substr(std::min<std::size_t>(3, text.size())));
    } else if (text.rfind("not ok", 0) == 0 && (text.size() == 6 || text[6] == ' ')) {
      r.result(level, false, text.substr(std::min<std::size_t>(7, text.size())));
    }
  });
  return std::move(r.out);
}

}  // namespace agentrace::grade
