#pragma once
// Tests by id (docs/task-format.md, "Tests by id"): one run of a suite runner reports many
// tests, and each listed id becomes one outcome. The parsers read what the run wrote, which
// the attempt's code controls: they are pure, bounded and never recurse per byte.
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "store/records.hpp"
#include "suite/task.hpp"

namespace agentrace::grade {

// Reports larger than this are read up to it; a run that writes more is cut there.
inline constexpr std::size_t kMaxReportBytes = 16u << 20;

enum class CaseStatus { passed, failed, skipped, error };

struct CaseResult {
  std::string id;    // the full id: classname.name, Package's Test, nested titles
  std::string name;  // the short one a runner may be listed by ("" = only id)
  CaseStatus status = CaseStatus::failed;
  double seconds = 0;
  std::string message;  // why it failed or was skipped, cut to a few hundred bytes
};

// JUnit XML (pytest --junitxml, ctest --output-junit, Maven, node's junit reporter):
// every <testcase> at any depth; id = classname.name.
std::vector<CaseResult> parse_junit(std::string_view xml);
// TAP 12/13 and node --test's nested TAP; a nested test's id is "parent > child".
std::vector<CaseResult> parse_tap(std::string_view tap);
// go test -json: one case per Test (subtests "TestA/sub" included).
std::vector<CaseResult> parse_go_json(std::string_view lines);
// python -m unittest -v's result lines; id = module.Class.method.
std::vector<CaseResult> parse_unittest(std::string_view log);
// jest --json; id = fullName.
std::vector<CaseResult> parse_jest_json(std::string_view json);
// mocha --reporter json; id = fullTitle.
std::vector<CaseResult> parse_mocha_json(std::string_view json);

std::vector<CaseResult> parse_report(suite::Runner runner, std::string_view report);

// How one run is made: the shell command and where its report is read from.
struct RunPlan {
  std::string cmd;
  bool report_is_output = false;  // the report is the run's stdout and stderr
};
// `report` is the report file's path as the command sees it.
RunPlan plan_run(const suite::TestCommand& tc, const std::vector<std::string>& ids, const std::string& report);

// `ids = ["*"]`: the whole suite the runner finds, one outcome per test it reports, named
// by the report's id (`task new` sorts a fix's tests with it).
inline constexpr const char* kEveryTest = "*";

// One outcome per id, in order: the case reported for it, or failed with "not run" (a run
// that stopped early does not report its ids). `run` is the run's own outcome (exit code,
// timeout, output tail), whose tail explains ids that were not run.
std::vector<store::TestOutcome> outcomes_for_ids(suite::Runner runner, const std::string& tier,
                                                 const std::vector<std::string>& ids,
                                                 const std::vector<CaseResult>& cases, const store::TestOutcome& run);

// A reward file: one number (reward.txt, named "reward") or a JSON object of numbers
// (reward.json); anything else is no reward (an empty map).
std::map<std::string, double> parse_reward(std::string_view text);
// One outcome per id of the `reward` runner (a condition such as "reward>=1"): passed when
// the condition holds; "not run" with `missing` (why there is no reward) when there is none.
std::vector<store::TestOutcome> reward_outcomes(const std::string& tier, const std::vector<std::string>& ids,
                                                const std::map<std::string, double>& values, const std::string& missing,
                                                const store::TestOutcome& run);

}  // namespace agentrace::grade
