// `agentrace task new`: a task from a bug-fix commit (docs/tasks-from-history.md).
#include <fmt/format.h>

#include "app/commands.hpp"
#include "core/clock.hpp"
#include "interop/task-new.hpp"

namespace agentrace::app {
namespace {

void print_result(const interop::TaskNewResult& r, double seconds) {
  fmt::print("task written: {}\n  base {} (parent of the fix {})\n", r.dir.string(), r.base.substr(0, 12), r.fix.substr(0, 12));
  for (const auto& t : r.fail_to_pass) fmt::print("  fail_to_pass  {}\n", t);
  for (const auto& t : r.pass_to_pass) fmt::print("  pass_to_pass  {}\n", t);
  for (const auto& t : r.left_out) fmt::print("  left out      {}\n", t);
  for (const auto& t : r.strict) fmt::print("  strict?       {}\n", t);
  fmt::print("validate: {}\n", r.validated ? "holds (oracle Complete, nop Miss)"
                                           : fmt::format("does NOT hold; run `agentrace validate {}` to see why",
                                                         r.dir.parent_path().string()));
  fmt::print("still yours to write:\n");
  for (const auto& d : r.drafts) fmt::print("  - {}\n", d);
  fmt::print(stderr, "task new: {:.1f} s\n", seconds);
}

}  // namespace

void register_task(CLI::App& app) {
  auto* task = app.add_subcommand("task", "Make tasks");
  task->require_subcommand(1);
  auto o = std::make_shared<interop::TaskNewOptions>();
  auto* cmd = task->add_subcommand("new", "A task from a bug-fix commit: base = its parent, its tests = the hidden tests");
  cmd->add_option("--repo", o->repo, "The repository: a local path or a git URL")->required();
  cmd->add_option("--fix", o->fix, "The commit that fixed the bug (one parent)")->required();
  cmd->add_option("--out", o->out, "The task folder to write (new or empty)")->required();
  cmd->add_option("--tests-cmd", o->tests, "A test command (bash -c at the repository root); repeat for each");
  cmd->add_option("--runner", o->runner, "A suite runner (pytest, unittest, go, node:test, mocha, jest, ctest): one test per id it reports");
  cmd->add_option("--runner-cmd", o->runner_cmd, "The runner's command, when not its default (docs/task-format.md)");
  cmd->add_option("--setup", o->setup, "A build step run before the tests");
  cmd->add_option("--test-path", o->test_globs, "Glob of test files (repeat; replaces the defaults)");
  cmd->add_option("--id", o->id, "Task id (default: the folder's name)");
  cmd->add_option("--language", o->language, "Task language (default: guessed from the fix)");
  cmd->add_option("--issue", o->issue, "A file with the linked issue's text, added to the draft statement");
  cmd->add_option("--sandbox", o->sandbox, "bwrap (default) or none")->capture_default_str();
  cmd->add_option("--timeout", o->test_timeout_s, "Seconds per test command")->capture_default_str();
  cmd->callback([o] {
    const auto start = core::mono_ns();
    const auto r = interop::new_task(*o);
    print_result(r, static_cast<double>(core::mono_ns() - start) / 1e9);
    if (!r.validated) exit_code() = 1;
  });
}

}  // namespace agentrace::app
