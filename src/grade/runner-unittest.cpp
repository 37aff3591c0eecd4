// python -m unittest -v: "test_x (pkg.mod.Class.test_x) ... ok" (3.11; before: "(pkg.mod.Class)"),
// a docstring's first line may come between the name and " ... ".
#include <optional>

#include "grade/runner-common.hpp"
#include "grade/runner.hpp"

namespace agentrace::grade {
namespace {

bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// "test_x (a.b.C.test_x)" or "test_x (a.b.C)" at the start of the line -> a.b.C.test_x.
std::string case_id(std::string_view line, std::size_t& after) {
  std::size_t i = 0;
  while (i < line.size() && name_char(line[i])) ++i;
  if (i == 0 || line.substr(i, 2) != " (") return "";
  const auto method = line.substr(0, i);
  const auto close = line.find(')', i + 2);
  if (close == std::string_view::npos) return "";
  const auto where = line.substr(i + 2, close - i - 2);
  for (char c : where)
    if (!name_char(c) && c != '.') return "";
  after = close + 1;
  const bool full = where.size() > method.size() && where.substr(where.size() - method.size()) == method &&
                    where[where.size() - method.size() - 1] == '.';
  return full ? std::string(where) : std::string(where) + "." + std::string(method);
}

// The result word unittest prints after " ... " (or alone on a line when the test wrote to stderr).
std::optional<CaseStatus> status_of(std::string_view word, std::string& message) {
  if (word == "ok" || word == "expected failure") return CaseStatus::passed;
  if (word == "ERROR") return CaseStatus::error;
  if (word == "FAIL") return CaseStatus::failed;
  if (word == "unexpected success") {
    message = "unexpected success";
    return CaseStatus::failed;
  }
  if (word.rfind("skipped", 0) == 0) {
    message = cut_message(word);
    return CaseStatus::skipped;
  }
  return std::nullopt;
}

}  // namespace

std::vector<CaseResult> parse_unittest(std::string_view log) {
  std::vector<CaseResult> out;
  std::string pending;  // a case whose " ... result" is on a later line (after its docstring)
  for_each_line(log, [&](std::string_view line) {
    std::size_t after = 0;
    if (auto id = case_id(line, after); !id.empty()) {
      pending = std::move(id);
      line.remove_prefix(after);
    }
    if (pending.empty()) return;
    const auto dots = line.rfind(" ... ");
    const auto word = dots == std::string_view::npos ? line : line.substr(dots + 5);
    CaseResult c{pending, pending.substr(pending.rfind('.') + 1), CaseStatus::failed, 0, ""};
    if (const auto status = status_of(word, c.message)) {
      c.status = *status;
      out.push_back(std::move(c));
      pending.clear();
    }
  });
  return out;
}

}  // namespace agentrace::grade
