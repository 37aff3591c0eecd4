#include "interop/task-new.hpp"

#include <algorithm>
#include <map>
#include <regex>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "interop/fix-commit.hpp"
#include "interop/task-writer.hpp"
#include "race/validate.hpp"
#include "workspace/git.hpp"

namespace agentrace::interop {
namespace fs = std::filesystem;
namespace {

// The repository as a local path commands can read, and the url task.toml names.
struct Source {
  fs::path local;
  std::string url;
};

Source open_repo(const std::string& repo, const fs::path& scratch) {
  if (fs::is_directory(repo)) {
    const auto abs = fs::absolute(repo).lexically_normal();
    return {abs, abs.string()};
  }
  if (repo.find("://") == std::string::npos && repo.find('@') == std::string::npos)
    throw core::UsageError(fmt::format("--repo {}: no such folder, and not a git URL", repo));
  const auto local = scratch / "repo.git";
  workspace::git(scratch, {"clone", "--bare", "--quiet", repo, local.string()});
  return {local, repo};
}

std::string test_name(const std::string& cmd) { return cmd.size() <= 80 ? cmd : cmd.substr(0, 77) + "..."; }

TaskDraft draft_of(const TaskNewOptions& o, const FixCommit& c, const Source& src, const std::string& id) {
  TaskDraft d;
  d.id = id;
  d.title = c.subject;
  d.language = o.language.empty() ? guess_language(c.source_paths) : o.language;
  d.statement = fmt::format("# {}\n\n{}", c.subject, c.body);
  if (!o.issue.empty()) d.statement += "\n## The issue\n\n" + core::read_file(o.issue);
  d.repo_url = src.url;
  d.base_commit = c.base;
  d.fix_patch = c.fix_patch;
  d.hidden_patch = c.test_patch;
  d.setup = o.setup;
  d.test_timeout_s = o.test_timeout_s;
  for (const auto& cmd : o.tests) d.tests.push_back({"fail_to_pass", test_name(cmd), cmd});
  d.miss = "DRAFT: what an attempt that does not fix the bug looks like";
  d.basic = "DRAFT: the symptom is patched but a tier still fails";
  d.solid = "DRAFT: the fix works; fail-to-pass and pass-to-pass tests pass";
  d.complete = "DRAFT: edge cases handled, a diff you would merge";
  d.notes = {fmt::format("Drafted by `agentrace task new` from {} (fix {}, base = its parent).", src.url, c.fix),
             "Lines holding DRAFT and statement.md (the commit message) are yours to write."};
  return d;
}

struct Outcome {
  std::string tier;  // what the fix's run says: fail_to_pass, pass_to_pass or "" (left out)
  std::string why;
};

bool looks_missing(const std::string& tail) {
  static const std::regex missing(
      "command not found|No module named|ModuleNotFoundError|Cannot find module|cannot open shared object|"
      "not found in PATH|No such file or directory");
  return std::regex_search(tail.substr(tail.size() > 4000 ? tail.size() - 4000 : 0), missing);
}

// Sorts the commands by their outcomes at the fix (oracle) and at the base (nop).
std::map<std::string, Outcome> sort_tests(const race::TaskCheck& check) {
  if (check.oracle.state == store::AttemptState::infra_error)
    throw core::InfraError(fmt::format("the tests could not run at the fix ({}): {}", store::to_string(check.oracle.failure),
                                       check.oracle.failure_detail));
  std::map<std::string, bool> at_base;
  for (const auto& t : check.nop_tests) at_base[t.name] = t.passed;
  std::map<std::string, Outcome> out;
  for (const auto& t : check.oracle_tests) {
    if (t.tier == "setup") {
      if (!t.passed)
        throw core::UsageError(fmt::format("the setup step fails at the fix (exit {}){}:\n{}", t.exit_code,
                                           looks_missing(t.output_tail) ? ", and says something is missing: declare what "
                                           "the repository needs as the task's [environment] (docs/task-format.md)" : "",
                                           t.output_tail));
      continue;
    }
    const bool base = at_base[t.name];
    if (t.passed) out[t.name] = base ? Outcome{"pass_to_pass", ""} : Outcome{"fail_to_pass", ""};
    else out[t.name] = {"", base ? "passes at the base, fails with the fix" : "fails with the fix too"};
  }
  return out;
}

void require_fail_to_pass(const std::map<std::string, Outcome>& sorted, const race::TaskCheck& check) {
  if (std::any_of(sorted.begin(), sorted.end(), [](const auto& s) { return s.second.tier == "fail_to_pass"; })) return;
  const bool all_pass = std::all_of(sorted.begin(), sorted.end(), [](const auto& s) { return s.second.tier == "pass_to_pass"; });
  if (all_pass)
    throw core::UsageError("every test passes at the base with the fix's tests added: nothing fails before the fix. "
                           "Name a test command that exercises the bug (--tests-cmd), or check --test-path puts the "
                           "new tests in the hidden tests");
  std::string tails;
  bool missing = false;
  for (const auto& t : check.oracle_tests) {
    missing = missing || looks_missing(t.output_tail);
    tails += fmt::format("  {} (exit {}):\n{}\n", t.name, t.exit_code, t.output_tail);
  }
  throw core::UsageError(fmt::format(
      "no test passes with the fix{}:\n{}", missing ? "; their output says something is missing, so the repository "
      "needs an environment that is not declared: declare it as the task's [environment] (docs/task-format.md)" : "",
      tails));
}

race::TaskCheck check_in(const fs::path& suite, const std::string& id, const TaskNewOptions& o) {
  race::ValidateOptions v;
  v.suite_dir = suite;
  v.tasks = {id};
  v.sandbox = o.sandbox;
  auto r = race::validate_tasks(v);
  if (r.cancelled) throw core::UsageError("cancelled");
  if (r.tasks.size() != 1) throw core::InfraError(fmt::format("task new: the check of {} ran no attempt", id));
  return std::move(r.tasks.front());
}

std::string task_id(const TaskNewOptions& o) {
  const auto id = o.id.empty() ? id_from(o.out.filename().string()) : o.id;
  if (!std::regex_match(id, std::regex("[a-z0-9][a-z0-9-]{0,99}")))
    throw core::UsageError(fmt::format("--id {}: use lowercase letters, digits and dashes", id));
  return id;
}

}  // namespace

TaskNewResult new_task(const TaskNewOptions& o) {
  if (o.tests.empty())
    throw core::UsageError("give the test commands to sort: --tests-cmd CMD, once per test (each runs with bash -c "
                           "at the repository root)");
  if (fs::exists(o.out) && !fs::is_empty(o.out))
    throw core::UsageError(fmt::format("--out {} exists and is not empty; name a new folder", o.out.string()));
  const auto id = task_id(o);
  core::TempDir tmp("agentrace-task-new");
  const auto src = open_repo(o.repo, tmp.path());
  const auto commit = read_fix_commit(src.local, o.fix, o.test_globs.empty() ? default_test_globs() : o.test_globs);
  fmt::print(stderr, "task new: fix {} on base {}: {} source file(s), {} test file(s); running the tests at both\n",
             commit.fix.substr(0, 12), commit.base.substr(0, 12), commit.source_paths.size(), commit.test_paths.size());
  auto draft = draft_of(o, commit, src, id);
  write_task(draft, tmp.path() / "probe" / id);
  const auto probe = check_in(tmp.path() / "probe", id, o);
  const auto sorted = sort_tests(probe);
  require_fail_to_pass(sorted, probe);
  TaskNewResult r;
  std::vector<TaskDraft::Test> kept;
  for (const auto& t : draft.tests) {
    const auto& s = sorted.at(t.name);
    if (s.tier.empty()) {
      r.left_out.push_back(fmt::format("{}: {}", t.name, s.why));
      draft.notes.push_back(fmt::format("Left out: {} ({})", t.name, s.why));
      continue;
    }
    kept.push_back({s.tier, t.name, t.cmd});
    (s.tier == "fail_to_pass" ? r.fail_to_pass : r.pass_to_pass).push_back(t.name);
  }
  std::stable_sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) { return a.tier < b.tier; });
  draft.tests = kept;
  write_task(draft, tmp.path() / "final" / id);
  r.validated = check_in(tmp.path() / "final", id, o).problems.empty();
  fs::create_directories(o.out);
  fs::copy(tmp.path() / "final" / id, o.out, fs::copy_options::recursive);
  r.dir = fs::absolute(o.out);
  r.base = commit.base;
  r.fix = commit.fix;
  r.drafts = {"statement.md: it is the commit message; say what is wrong as a user met it, not how it was fixed",
              "task.toml [grades]: the four meanings are placeholders (DRAFT)", "task.toml title"};
  if (r.fail_to_pass.size() > 1)
    r.drafts.push_back("task.toml: move the fail-to-pass tests a partial fix could miss to [[tests.strict]]");
  return r;
}

}  // namespace agentrace::interop
