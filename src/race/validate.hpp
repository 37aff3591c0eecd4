#pragma once
// The oracle/nop check of tasks: the shipped fix must grade Complete and an unchanged
// tree Miss. `agentrace validate` prints it; `agentrace task new` also reads the
// per-test outcomes to sort a fix's tests into tiers.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "store/records.hpp"

namespace agentrace::race {

struct ValidateOptions {
  std::filesystem::path suite_dir;
  std::vector<std::string> tasks;  // empty = all
  std::string sandbox = "bwrap";
  int jobs = 0;                    // 0 = cores
  std::filesystem::path db;        // empty = a temporary store
  std::filesystem::path work;      // empty = a temporary work folder (repositories, environments)
};

// One task's two attempts and their tests.
struct TaskCheck {
  std::string task_id;
  store::AttemptRecord oracle, nop;
  std::vector<store::TestOutcome> oracle_tests, nop_tests;
  std::vector<std::string> problems;  // empty when the task holds
};

struct ValidateResult {
  bool cancelled = false;
  std::vector<TaskCheck> tasks;  // by task id
};

ValidateResult validate_tasks(const ValidateOptions& opts);

}  // namespace agentrace::race
