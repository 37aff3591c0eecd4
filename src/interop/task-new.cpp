#include "interop/task-new.hpp"

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "interop/fix-commit.hpp"
#include "interop/task-writer.hpp"
#include "grade/runner.hpp"
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
  for (const auto& cmd : o.tests) d.tests.push_back({"fail_to_pass", test_name(cmd), cmd, "", {}});
  if (!o.runner.empty()) d.tests.push_back({"fail_to_pass", "every test", o.runner_cmd, o.runner, {grade::kEveryTest}});
  d.miss = "DRAFT: what an attempt that does not fix the bug looks like";
  d.basic = "DRAFT: the symptom is patched but a tier still fails";
  d.solid = "DRAFT: the fix works; fail-to-pass and pass-to-pass tests pass";
  d.complete = "DRAFT: edge cases handled, a diff you would merge";
  d.origin = {{"kind", "commit"}, {"id", c.fix}, {"repo", src.url}};
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

// pytest's JUnit ids are dotted ("tests.test_x.Class.test"); its node ids name the file
// ("tests/test_x.py::Class::test"), which the runner needs to select them. The file is
// the longest dotted prefix that is a .py file of the fix's tree.
std::string pytest_node_id(const std::string& junit_id, const std::set<std::string>& files) {
  const auto bracket = junit_id.find('[');
  const auto head = junit_id.substr(0, bracket);
  for (auto dot = head.rfind('.'); dot != std::string::npos && dot > 0; dot = head.rfind('.', dot - 1)) {
    auto file = head.substr(0, dot);
    std::replace(file.begin(), file.end(), '.', '/');
    if (!files.count(file + ".py")) continue;
    auto rest = junit_id.substr(dot + 1);
    for (auto at = rest.find('.'); at != std::string::npos && at < rest.find('['); at = rest.find('.', at))
      rest.replace(at, 1, "::");
    return file + ".py::" + rest;
  }
  return junit_id;
}

bool looks_edge(const std::string& id) {
  static const std::regex edge("edge|corner|empty|unicode|large|huge|overflow|nested|escape|negative|zero|boundary|"
                               "limit|crlf|multi|special|invalid", std::regex::icase);
  return std::regex_search(id, edge);
}

// The final tiers: command tests where their runs put them; the runner's tests grouped by tier,
// one entry a tier listing its ids.
std::vector<TaskDraft::Test> tiers_of(const std::vector<TaskDraft::Test>& probe, const std::map<std::string, Outcome>& sorted,
                                      const TaskNewOptions& o, const FixCommit& c, TaskNewResult& r) {
  std::vector<TaskDraft::Test> out;
  std::set<std::string> commands;
  auto place = [&](const std::string& name, const Outcome& s) {
    if (s.tier.empty()) r.left_out.push_back(fmt::format("{}: {}", name, s.why));
    else (s.tier == "fail_to_pass" ? r.fail_to_pass : r.pass_to_pass).push_back(name);
    return !s.tier.empty();
  };
  for (const auto& t : probe) {
    if (!t.runner.empty()) continue;
    commands.insert(t.name);
    if (auto it = sorted.find(t.name); it != sorted.end() && place(t.name, it->second))
      out.push_back({it->second.tier, t.name, t.cmd, "", {}});
  }
  if (o.runner.empty()) return out;
  std::set<std::string> files;
  if (o.runner == "pytest")
    for (auto& f : split(workspace::git(c.repo, {"ls-tree", "-r", "-z", "--name-only", c.fix}), '\0')) files.insert(f);
  std::map<std::string, std::vector<std::string>> ids;  // tier -> ids
  for (const auto& [name, s] : sorted) {
    if (commands.count(name) || name == grade::kEveryTest) continue;
    const auto id = o.runner == "pytest" ? pytest_node_id(name, files) : name;
    if (place(id, s)) ids[s.tier].push_back(id);
  }
  for (const auto& id : ids["fail_to_pass"])
    if (ids["fail_to_pass"].size() > 1 && looks_edge(id)) r.strict.push_back(id);
  for (const auto& [tier, list] : ids) out.push_back({tier, tier + " (" + o.runner + ")", o.runner_cmd, o.runner, list});
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.tier < b.tier; });
  return out;
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
  if (o.tests.empty() && o.runner.empty())
    throw core::UsageError("give the tests to sort: --runner NAME (pytest, unittest, go, node:test, mocha, jest, ctest; "
                           "one run, one test per id it reports) or --tests-cmd CMD, once per test (bash -c at the "
                           "repository root)");
  if (!o.runner.empty() && !suite::parse_runner(o.runner))
    throw core::UsageError(fmt::format("--runner {}: not one of pytest, unittest, go, node:test, mocha, jest, junit, "
                                       "tap, ctest", o.runner));
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
  draft.tests = tiers_of(draft.tests, sorted, o, commit, r);
  for (const auto& l : r.left_out) draft.notes.push_back("Left out: " + l);

  write_task(draft, tmp.path() / "final" / id);
  r.validated = check_in(tmp.path() / "final", id, o).problems.empty();
  fs::create_directories(o.out);
  fs::copy(tmp.path() / "final" / id, o.out, fs::copy_options::recursive);
  r.dir = fs::absolute(o.out);
  r.base = commit.base;
  r.fix = commit.fix;
  r.drafts = {"statement.md: it is the commit message; say what is wrong as a user met it, not how it was fixed",
              "task.toml [grades]: the four meanings are placeholders (DRAFT)", "task.toml title"};
  if (!r.strict.empty())
    r.drafts.push_back(fmt::format("task.toml: of the fail-to-pass tests, these look like edge cases a partial fix "
                                   "could miss; move them to [[tests.strict]] if so: {}", fmt::join(r.strict, ", ")));
  else if (r.fail_to_pass.size() > 1)
    r.drafts.push_back("task.toml: move the fail-to-pass tests a partial fix could miss to [[tests.strict]]");
  return r;
}

}  // namespace agentrace::interop
