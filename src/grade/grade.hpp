#pragma once
// Automatic grading: a new checkout of the base gets the attempt's diff (less its changes
// to the test harness, grade/harness.hpp) and then the hidden tests, and the task's test
// tiers run in a separate sandbox, with the task's environment as the agent had it.
#include <filesystem>
#include <string>
#include <vector>

#include "grade/hygiene.hpp"
#include "sandbox/sandbox.hpp"
#include "store/records.hpp"
#include "suite/task.hpp"
#include "workspace/workspace.hpp"

namespace agentrace::grade {

struct GradeResult {
  int grade = 0;                            // after hygiene
  int auto_grade = 0;                       // from the test tiers alone
  std::vector<HygieneFlag> hygiene;          // the hygiene flags raised
  std::string detail;                       // which tier decided it, in words
  std::vector<store::TestOutcome> outcomes;  // one per test command, setup included
  double seconds = 0;
};

// Grade from per-test outcomes (see docs/grading.md):
// setup failed or no fail-to-pass passes -> 0 Miss; some fail-to-pass pass, or all pass
// while a pass-to-pass fails -> 1 Basic; all but strict pass -> 2 Solid; all -> 3 Complete.
GradeResult auto_grade(const suite::Task& task, std::vector<store::TestOutcome> outcomes);

// Runs the tiers on base + diff + hidden tests under `scratch` (removed afterwards). A diff
// that touched the harness is graded Miss with a `tampered` flag. Throws core::InfraError
// when the checkout cannot be made or an untampered diff cannot apply.
GradeResult grade_diff(const suite::Task& task, const workspace::BaseRepo& base, const std::string& diff,
                       const std::filesystem::path& scratch, sandbox::Mode mode,
                       const sandbox::Environment& environment = {});

}  // namespace agentrace::grade
