#pragma once
// `agentrace task new`: a task from a bug-fix commit (docs/tasks-from-history.md).
// Base = the fix's parent; the fix's source changes become fix.patch, its test changes
// the hidden tests; the test commands run at base + hidden tests (must fail) and at the
// fix (must pass), through the same oracle/nop race `validate` runs, which sorts them
// into fail-to-pass and pass-to-pass. The task folder is written with drafts marked,
// then validated.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace agentrace::interop {

struct TaskNewOptions {
  std::string repo;                      // local path or git URL
  std::string fix;                       // the fix commit
  std::vector<std::string> tests;        // test commands, one test each (bash -c at the root)
  std::string runner;                    // a suite runner: one run, one outcome per test it reports
  std::string runner_cmd;                // its command, when not the runner's default
  std::optional<std::string> setup;      // build step before the tests
  std::vector<std::string> test_globs;   // what counts as a test file (empty = defaults)
  std::filesystem::path out;             // the task folder to write (must not exist or be empty)
  std::string id;                        // default: the folder's name
  std::string language;                  // default: guessed from the source changes
  std::filesystem::path issue;           // a file with the linked issue's text (optional)
  std::string sandbox = "bwrap";
  int test_timeout_s = 120;
};

struct TaskNewResult {
  std::filesystem::path dir;
  std::string base, fix;
  std::vector<std::string> fail_to_pass, pass_to_pass;
  std::vector<std::string> left_out;  // "name: why"
  std::vector<std::string> strict;    // fail-to-pass ids proposed for the strict tier
  std::vector<std::string> drafts;    // what the user still has to write
  bool validated = false;
};

TaskNewResult new_task(const TaskNewOptions& opts);

}  // namespace agentrace::interop
