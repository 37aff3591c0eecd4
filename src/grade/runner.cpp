#include "grade/runner.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/shell.hpp"
#include "grade/runner-common.hpp"

namespace agentrace::grade {
namespace {

using suite::Runner;
constexpr std::size_t kMessageBytes = 300;
constexpr std::size_t kNotRunTailBytes = 1500;

void replace_all(std::string& s, std::string_view what, const std::string& with) {
  for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + with.size())) s.replace(at, what.size(), with);
}

// pytest's node id "tests/test_x.py::Class::test[p]" as its JUnit id "tests.test_x.Class.test[p]".
std::string pytest_junit_id(const std::string& id) {
  const auto sep = id.find("::");
  auto file = id.substr(0, sep);
  if (file.size() > 3 && file.compare(file.size() - 3, 3, ".py") == 0) file.resize(file.size() - 3);
  std::replace(file.begin(), file.end(), '/', '.');
  if (sep == std::string::npos) return file;
  auto rest = id.substr(sep + 2);
  const auto bracket = rest.find('[');
  for (auto at = rest.find("::"); at != std::string::npos && at < bracket; at = rest.find("::", at + 1))
    rest.replace(at, 2, ".");
  return file + "." + rest;
}

// What {ids} stands for: pytest gets the ids' files, so a missing id does not stop the run.
std::string ids_argument(Runner runner, const std::vector<std::string>& ids) {
  std::vector<std::string> args;
  for (const auto& id : ids) {
    if (id == kEveryTest) continue;  // the runner's whole suite
    auto arg = runner == Runner::pytest ? id.substr(0, id.find("::")) : id;
    if (std::find(args.begin(), args.end(), arg) == args.end()) args.push_back(std::move(arg));
  }
  std::string out;
  for (const auto& a : args) out += (out.empty() ? "" : " ") + core::shell_quote(a);
  return out;
}

std::string default_command(Runner runner) {
  switch (runner) {
    case Runner::pytest: return "python3 -m pytest -p no:cacheprovider -q --junitxml={report} {ids}";
    case Runner::unittest: return "python3 -m unittest -v {ids}";
    case Runner::go_test: return "go test -json ./...";
    case Runner::node_test: return "node --test --test-reporter=tap --test-reporter-destination={report}";
    case Runner::mocha: return "node_modules/.bin/mocha --reporter json --reporter-option output={report}";
    case Runner::jest: return "node_modules/.bin/jest --ci --json --outputFile={report}";
    case Runner::ctest: return "ctest --test-dir build --output-junit {report}";
    case Runner::junit: case Runner::tap: case Runner::reward: case Runner::none: break;
  }
  return "";
}

const char* status_word(CaseStatus s) {
  switch (s) {
    case CaseStatus::passed: return "passed";
    case CaseStatus::failed: return "failed";
    case CaseStatus::skipped: return "skipped";
    case CaseStatus::error: return "error";
  }
  return "?";
}

store::TestOutcome outcome_of(const std::string& tier, const std::string& id, const std::vector<const CaseResult*>& found,
                              const store::TestOutcome& run) {
  store::TestOutcome o;
  o.tier = tier;
  o.name = id;
  o.exit_code = run.exit_code;
  o.timed_out = run.timed_out;
  if (found.empty()) {
    o.output_tail = fmt::format("not run: the run's report does not list this test{}\n{}",
                                run.timed_out ? " (the run timed out)" : "",
                                run.output_tail.substr(run.output_tail.size() - std::min(run.output_tail.size(), kNotRunTailBytes)));
    return o;
  }
  o.passed = std::all_of(found.begin(), found.end(), [](const auto* c) { return c->status == CaseStatus::passed; });
  for (const auto* c : found) {
    o.duration_s += c->seconds;
    if (o.output_tail.empty() || c->status != CaseStatus::passed)
      o.output_tail = c->message.empty() ? status_word(c->status) : fmt::format("{}: {}", status_word(c->status), c->message);
  }
  return o;
}

}  // namespace

std::string cut_message(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\n')) text.remove_prefix(1);
  std::string out(text.substr(0, std::min(text.size(), kMessageBytes)));
  std::replace(out.begin(), out.end(), '\n', ' ');
  while (!out.empty() && (out.back() == ' ' || out.back() == '\r')) out.pop_back();
  return out;
}

void for_each_line(std::string_view text, const std::function<void(std::string_view)>& line) {
  text = text.substr(0, std::min(text.size(), kMaxReportBytes));
  for (std::size_t start = 0; start < text.size();) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    auto l = text.substr(start, end - start);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    line(l);
    start = end + 1;
  }
}

std::vector<CaseResult> parse_report(Runner runner, std::string_view report) {
  switch (runner) {
    case Runner::pytest: case Runner::junit: case Runner::ctest: return parse_junit(report);
    case Runner::tap: case Runner::node_test: return parse_tap(report);
    case Runner::go_test: return parse_go_json(report);
    case Runner::unittest: return parse_unittest(report);
    case Runner::jest: return parse_jest_json(report);
    case Runner::mocha: return parse_mocha_json(report);
    case Runner::reward: case Runner::none: break;
  }
  return {};
}

RunPlan plan_run(const suite::TestCommand& tc, const std::vector<std::string>& ids, const std::string& report) {
  RunPlan plan{tc.cmd.empty() ? default_command(tc.runner) : tc.cmd, false};
  plan.report_is_output = tc.report.empty() && plan.cmd.find("{report}") == std::string::npos;
  replace_all(plan.cmd, "{report}", core::shell_quote(report));
  replace_all(plan.cmd, "{ids}", ids_argument(tc.runner, ids));
  return plan;
}

std::vector<store::TestOutcome> outcomes_for_ids(Runner runner, const std::string& tier, const std::vector<std::string>& ids,
                                                 const std::vector<CaseResult>& cases, const store::TestOutcome& run) {
  std::vector<store::TestOutcome> out;
  if (ids == std::vector<std::string>{kEveryTest}) {  // one outcome per test the run reported
    for (const auto& c : cases) out.push_back(outcome_of(tier, c.id, {&c}, run));
    if (cases.empty()) out.push_back(outcome_of(tier, kEveryTest, {}, run));
    return out;
  }
  for (const auto& id : ids) {
    const auto want = runner == Runner::pytest ? pytest_junit_id(id) : id;
    std::vector<const CaseResult*> found;
    for (const auto& c : cases)
      if (c.id == want) found.push_back(&c);
    if (found.empty())  // listed by its short name
      for (const auto& c : cases)
        if (!c.name.empty() && c.name == want) found.push_back(&c);
    out.push_back(outcome_of(tier, id, found, run));
  }
  return out;
}

}  // namespace agentrace::grade
