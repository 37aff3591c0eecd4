#include "suite/task.hpp"

#include <algorithm>
#include <map>
#include <regex>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/hash.hpp"
#include "core/toml-reader.hpp"

namespace agentrace::suite {
namespace fs = std::filesystem;
namespace {

// std::regex matches recursively, a stack frame per character: longer ids are refused
// before the pattern is tried (one of 200,000 characters overflowed the stack).
constexpr std::size_t kMaxIdLength = 100;

constexpr const char* kRunnerNames = "pytest, unittest, go, node:test, mocha, jest, junit, tap, ctest, reward";
constexpr std::pair<Runner, const char*> kRunners[] = {
    {Runner::pytest, "pytest"}, {Runner::unittest, "unittest"}, {Runner::go_test, "go"},
    {Runner::node_test, "node:test"}, {Runner::mocha, "mocha"}, {Runner::jest, "jest"},
    {Runner::junit, "junit"}, {Runner::tap, "tap"}, {Runner::ctest, "ctest"}, {Runner::reward, "reward"}};

const std::vector<std::string> kLanguages = {"cpp", "c", "python", "javascript", "typescript",
                                             "shell", "java", "rust", "go", "other"};

// A path named in a spec must stay inside the task folder.
std::optional<fs::path> inside(core::TableReader& r, const std::string& key, const fs::path& dir,
                               bool required, bool want_dir) {
  const auto value = r.string(key, required);
  if (!value) return std::nullopt;
  const fs::path rel(*value);
  const auto where = r.where(key);
  if (rel.is_absolute() || std::any_of(rel.begin(), rel.end(), [](const fs::path& p) { return p == ".."; })) {
    r.errors().add(where, fmt::format("'{}' = \"{}\" must be a path inside the task folder", r.field(key), *value));
    return std::nullopt;
  }
  const auto full = dir / rel;
  std::error_code ec;  // a name too long for the file system is an error in the spec, not a throw
  if (!fs::exists(full, ec)) {
    r.errors().add(where, fmt::format("'{}': {} {}", r.field(key), full.string(),
                                      ec ? "cannot be read: " + ec.message() : std::string("does not exist")));
    return std::nullopt;
  }
  if (!core::resolves_inside(dir, full)) {
    r.errors().add(where, fmt::format("'{}': {} is a link leading outside the task folder (to {}); copy the "
                                      "file into the folder instead",
                                      r.field(key), full.string(), fs::weakly_canonical(full, ec).string()));
    return std::nullopt;
  }
  if (want_dir != fs::is_directory(full, ec)) {
    r.errors().add(where, fmt::format("'{}': {} must be a {}", r.field(key), full.string(), want_dir ? "folder" : "file"));
    return std::nullopt;
  }
  return full;
}

std::string content_hash(const Task& t, std::string_view spec) {
  core::Sha256 h;
  h.add_field(spec);
  h.add_field(t.statement);
  if (t.repo.kind == RepoKind::url) {
    h.add_field(t.repo.url).add_field(t.repo.commit);
  } else {
    core::hash_tree(h, t.repo.path);
  }
  core::hash_tree(h, t.fix_patch);
  core::hash_tree(h, t.hidden);
  if (!t.hidden_support.empty()) core::hash_tree(h, t.hidden_support);
  if (t.environment) h.add_field(t.environment->key);
  return h.hex();
}

void read_repo(core::TableReader& root, Task& t) {
  const auto* table = root.table("repo", true);
  if (table == nullptr) return;
  core::TableReader r(*table, "repo", root.errors());
  const int kinds = int(r.has("patches")) + int(r.has("dir")) + int(r.has("url"));
  if (kinds != 1) {
    for (const char* k : {"patches", "dir", "url", "commit"}) r.raw(k);
    r.errors().add(table->source(), "[repo] needs exactly one of 'patches', 'dir' or 'url'");
    r.finish();
    return;
  }
  if (r.has("patches")) {
    t.repo.kind = RepoKind::patches;
    if (auto p = inside(r, "patches", t.dir, true, true)) {
      t.repo.path = *p;
      bool any = false;
      for (const auto& e : fs::directory_iterator(*p)) any = any || e.path().extension() == ".patch";
      if (!any) r.errors().add(r.where("patches"), fmt::format("'repo.patches': {} holds no .patch files", p->string()));
    }
  } else if (r.has("dir")) {
    t.repo.kind = RepoKind::dir;
    if (auto p = inside(r, "dir", t.dir, true, true)) t.repo.path = *p;
  } else if (r.has("url")) {
    t.repo.kind = RepoKind::url;
    t.repo.url = r.string("url", true).value_or("");
    std::error_code ec;
    if (!t.repo.url.empty() && is_local_url(t.repo.url) && !fs::exists(local_url_path(t), ec))
      r.errors().add(r.where("url"), fmt::format("'repo.url': {} does not exist (a relative path is read from the "
                                                 "task folder)", local_url_path(t).string()));
    auto commit = r.string("commit", false);
    if (!commit) {
      r.errors().add(table->source(), "'repo.commit' is required with 'repo.url': the base commit (40 hex digits)");
    } else if (!std::regex_match(*commit, std::regex("[0-9a-f]{7,40}"))) {
      r.errors().add(r.where("commit"), fmt::format("'repo.commit' = \"{}\" is not a commit hash", *commit));
    } else {
      t.repo.commit = *commit;
    }
  }
  for (const char* key : {"commit", "submodules"}) {
    if (t.repo.kind != RepoKind::url && r.has(key)) {
      r.raw(key);
      r.errors().add(r.where(key), fmt::format("'repo.{}' only goes with 'repo.url'", key));
    }
  }
  if (t.repo.kind == RepoKind::url) t.repo.submodules = r.boolean("submodules").value_or(false);
  r.finish();
}

bool inside_repository(const fs::path& rel) {
  return !rel.is_absolute() && std::none_of(rel.begin(), rel.end(), [](const fs::path& p) { return p == ".."; });
}

// A reward runner's ids are conditions on the reward file, which is read from the
// repository or from [tests] logs (by default logs/reward.json, else logs/reward.txt).
void read_reward(core::TableReader& tr, const TestCommand& tc, const std::optional<fs::path>& logs) {
  for (const auto& id : tc.ids)
    if (!parse_reward_check(id))
      tr.errors().add(tr.where("ids"), fmt::format("'{}': \"{}\" is not a condition on the reward such as \"reward>0\", "
                                                   "\"reward>=1\" or \"accuracy=1\"", tr.field("ids"), id));
  const fs::path report(tc.report);
  const bool in_logs = logs && report.is_absolute() && !report.lexically_normal().lexically_relative(*logs).empty() &&
                       *report.lexically_normal().lexically_relative(*logs).begin() != "..";
  if (!tc.report.empty() && !in_logs && !inside_repository(report))
    tr.errors().add(tr.where("report"), fmt::format("'{}' = \"{}\" must be a path inside the repository or under "
                                                    "[tests] logs", tr.field("report"), tc.report));
  if (tc.report.empty() && !logs)
    tr.errors().add(tr.node().source(), fmt::format("runner \"reward\" needs '{}' (the reward file) or [tests] logs "
                                                    "(where the verifier writes reward.json or reward.txt)", tr.field("report")));
}

// The runner fields of one test entry: `runner` and `ids` go together, and then `cmd` is optional.
void read_runner(core::TableReader& tr, TestCommand& tc, const std::optional<fs::path>& logs) {
  const auto name = tr.string("runner", false);
  tc.ids = tr.string_list("ids", false);
  tc.report = tr.string("report", false).value_or("");
  if (!name) {
    if (tr.has("ids") || tr.has("report"))
      tr.errors().add(tr.where(tr.has("ids") ? "ids" : "report"),
                      fmt::format("'{}' needs a 'runner' (one of {})", tr.field(tr.has("ids") ? "ids" : "report"), kRunnerNames));
    if (!tr.has("cmd"))
      tr.errors().add(tr.node().source(), fmt::format("missing required field '{}' (a string)", tr.field("cmd")));
    return;
  }
  if (auto kind = parse_runner(*name)) tc.runner = *kind;
  else tr.errors().add(tr.where("runner"), fmt::format("'{}' = \"{}\" is not one of {}", tr.field("runner"), *name, kRunnerNames));
  if (tc.ids.empty())
    tr.errors().add(tr.node().source(), fmt::format("'{}' is required with a runner: the test ids it must report", tr.field("ids")));
  if (tc.ids.size() > 1 && std::find(tc.ids.begin(), tc.ids.end(), "*") != tc.ids.end())
    tr.errors().add(tr.where("ids"), fmt::format("'{}': \"*\" (every test the run reports) stands alone", tr.field("ids")));
  const bool custom = tc.runner == Runner::junit || tc.runner == Runner::tap || tc.runner == Runner::reward;
  if (custom && tc.cmd.empty())
    tr.errors().add(tr.node().source(), fmt::format("'{}' is required with runner \"{}\"", tr.field("cmd"), *name));
  if (tc.runner == Runner::reward) return read_reward(tr, tc, logs);
  // These runners' reports are files; the others' are what the command prints.
  const bool file_report = tc.runner != Runner::unittest && tc.runner != Runner::go_test && tc.runner != Runner::tap;
  if (file_report && !tc.cmd.empty() && tc.report.empty() && tc.cmd.find("{report}") == std::string::npos)
    tr.errors().add(tr.where("cmd"), fmt::format("runner \"{}\": '{}' must write its report to {{report}}, or name "
                                                 "the file it writes in 'report'", *name, tr.field("cmd")));
  if (!tc.report.empty() && !inside_repository(tc.report))
    tr.errors().add(tr.where("report"), fmt::format("'{}' = \"{}\" must be a path inside the repository", tr.field("report"), tc.report));
}

void read_tests(core::TableReader& root, Task& t) {
  const auto* table = root.table("tests", true);
  if (table == nullptr) return;
  core::TableReader r(*table, "tests", root.errors());
  if (auto setup = r.string("setup", false)) t.setup = *setup;
  t.test_timeout_s = static_cast<int>(r.integer("timeout_seconds", false, 1, 3600).value_or(120));
  t.setup_timeout_s = static_cast<int>(r.integer("setup_timeout_seconds", false, 1, 86400).value_or(600));
  if (auto logs = r.string("logs", false)) {
    if (is_free_sandbox_path(*logs)) t.logs = fs::path(*logs).lexically_normal();
    else r.errors().add(r.where("logs"), fmt::format("'tests.logs' = \"{}\" must be an absolute path outside the sandbox's "
                                                     "own folders (/usr, /etc, /tmp, /home, /workspace, ...); e.g. "
                                                     "/logs/verifier", *logs));
  }
  std::map<std::string, bool> names;
  const auto unique = [&](core::TableReader& tr, const std::string& name, const char* key) {
    if (!name.empty() && names[name])
      tr.errors().add(tr.where(key), fmt::format("test name '{}' is used twice; names must be unique in a task", name));
    names[name] = true;
  };
  const std::pair<const char*, Tier> tiers[] = {
      {"fail_to_pass", Tier::fail_to_pass}, {"strict", Tier::strict}, {"pass_to_pass", Tier::pass_to_pass}};
  for (const auto& [key, tier] : tiers) {
    const auto entries = r.table_array(key, tier == Tier::fail_to_pass);
    for (std::size_t i = 0; i < entries.size(); ++i) {
      core::TableReader tr(*entries[i], fmt::format("tests.{}[{}]", key, i), r.errors());
      TestCommand tc;
      tc.tier = tier;
      tc.name = tr.string("name", true).value_or("");
      tc.cmd = tr.string("cmd", false).value_or("");
      read_runner(tr, tc, t.logs);
      // Outcomes are named by the command's name, or by each id of a runner's entry.
      if (tc.runner == Runner::none) unique(tr, tc.name, "name");
      for (const auto& id : tc.ids) unique(tr, id, "ids");
      tr.finish();
      t.tests.push_back(std::move(tc));
    }
  }
  r.finish();
}

void read_protected(core::TableReader& r, Task& t) {
  if (!r.has("protected")) {
    t.protected_globs = default_protected(t.language);
    return;
  }
  t.protected_globs = r.string_list("protected", false);
  for (const auto& g : t.protected_globs) {
    const fs::path p(g);
    if (g.empty() || g == "/" || std::any_of(p.begin(), p.end(), [](const fs::path& x) { return x == ".."; }))
      r.errors().add(r.where("protected"), fmt::format("'protected' glob \"{}\" must name paths inside the repository", g));
  }
}

void read_grades(core::TableReader& root, Task& t) {
  const auto* table = root.table("grades", true);
  if (table == nullptr) return;
  core::TableReader r(*table, "grades", root.errors());
  t.grades.miss = r.string("miss", true).value_or("");
  t.grades.basic = r.string("basic", true).value_or("");
  t.grades.solid = r.string("solid", true).value_or("");
  t.grades.complete = r.string("complete", true).value_or("");
  r.finish();
}

void read_identity(core::TableReader& r, Task& t, core::SpecErrors& errors) {
  t.id = r.string("id", true).value_or("");
  if (t.id.size() > kMaxIdLength) {
    errors.add(r.where("id"), fmt::format("'id' is {} characters long; use at most {}", t.id.size(), kMaxIdLength));
  } else if (!t.id.empty() && !std::regex_match(t.id, std::regex("[a-z0-9][a-z0-9-]*"))) {
    errors.add(r.where("id"), fmt::format("'id' = \"{}\" may hold only lowercase letters, digits and dashes", t.id));
  }
  t.title = r.string("title", true).value_or("");
  t.language = r.string("language", true).value_or("");
  if (!t.language.empty() && std::find(kLanguages.begin(), kLanguages.end(), t.language) == kLanguages.end()) {
    errors.add(r.where("language"), fmt::format("'language' = \"{}\" is not one of cpp, c, python, javascript, "
                                                "typescript, shell, java, rust, go, other", t.language));
  }
  t.tags = r.string_list("tags", false);
}

void read_statement(core::TableReader& r, Task& t, core::SpecErrors& errors) {
  if (auto p = inside(r, "statement", t.dir, true, false)) {
    t.statement_file = *p;
    t.statement = core::read_file(*p);
    if (t.statement.find_first_not_of(" \n\t\r") == std::string::npos)
      errors.add(r.where("statement"), fmt::format("'statement': {} is empty", p->string()));
  }
}

void read_fix(core::TableReader& r, Task& t, core::SpecErrors& errors) {
  if (const auto* fix = r.table("fix", true)) {
    core::TableReader fr(*fix, "fix", errors);
    if (auto p = inside(fr, "patch", t.dir, true, false)) t.fix_patch = *p;
    fr.finish();
  }
}

void read_hidden(core::TableReader& r, Task& t, core::SpecErrors& errors) {
  const auto* hidden = r.table("hidden_tests", true);
  if (!hidden) return;
  core::TableReader hr(*hidden, "hidden_tests", errors);
  if (!hr.has("dir") && !hr.has("patch")) {
    errors.add(hidden->source(), "[hidden_tests] needs 'dir', 'patch' or both");
  } else if (hr.has("patch")) {
    t.hidden_kind = HiddenKind::patch;
    if (auto p = inside(hr, "patch", t.dir, true, false)) t.hidden = *p;
    if (hr.has("dir"))
      if (auto p = inside(hr, "dir", t.dir, true, true)) t.hidden_support = *p;
  } else {
    t.hidden_kind = HiddenKind::dir;
    if (auto p = inside(hr, "dir", t.dir, true, true)) t.hidden = *p;
  }
  if (auto at = hr.string("at", false)) {
    if (t.hidden_kind != HiddenKind::dir)
      errors.add(hr.where("at"), "'hidden_tests.at' goes with 'dir' alone: a patch is applied to the repository");
    else if (!is_free_sandbox_path(*at))
      errors.add(hr.where("at"), fmt::format("'hidden_tests.at' = \"{}\" must be an absolute path outside the sandbox's "
                                             "own folders (/usr, /etc, /tmp, /home, /workspace, ...); e.g. /tests", *at));
    else
      t.hidden_at = fs::path(*at).lexically_normal();
  }
  hr.finish();
}

void read_origin(core::TableReader& r, Task& t, core::SpecErrors& errors) {
  const auto* origin = r.table("origin", false);
  if (!origin) return;
  core::TableReader o(*origin, "origin", errors);
  Origin out{o.string("kind", true).value_or(""), o.string("id", true).value_or(""), {}};
  for (const auto& [key, node] : *origin) {
    const std::string k(key.str());
    if (k == "kind" || k == "id") continue;
    if (auto v = o.string(k, false)) out.fields.emplace_back(k, *v);
  }
  o.finish();
  t.origin = std::move(out);
}

void read_limits(core::TableReader& r, Task& t, core::SpecErrors& errors) {
  if (const auto* limits = r.table("limits", false)) {
    core::TableReader lr(*limits, "limits", errors);
    t.agent_seconds = static_cast<int>(lr.integer("agent_seconds", false, 1, 86400).value_or(900));
    lr.finish();
  }
}

// The task's own [environment], else the suite's default beside the task folder.
void read_task_environment(core::TableReader& r, Task& t, core::SpecErrors& errors) {
  if (const auto* table = r.table("environment", false)) {
    core::TableReader er(*table, "environment", errors);
    t.environment = read_environment(er, t.dir);
    return;
  }
  t.environment = load_suite_environment(t.dir.parent_path());
}

bool nested(const fs::path& a, const fs::path& b) {
  const auto inside = [](const fs::path& x, const fs::path& dir) {
    const auto rel = x.lexically_normal().lexically_relative(dir.lexically_normal());
    return !rel.empty() && *rel.begin() != "..";
  };
  return inside(a, b) || inside(b, a);
}

// The paths a task shows things at (its workdir, hidden tests, logs) must not hide one another.
void check_sandbox_paths(core::TableReader& r, const Task& t, core::SpecErrors& errors) {
  std::vector<std::tuple<std::string, fs::path, std::string>> paths;  // field, path, table it is in
  if (t.environment && t.environment->workdir) paths.emplace_back("environment.workdir", *t.environment->workdir, "");
  if (t.hidden_at) paths.emplace_back("hidden_tests.at", *t.hidden_at, "hidden_tests");
  if (t.logs) paths.emplace_back("tests.logs", *t.logs, "tests");
  for (std::size_t i = 0; i < paths.size(); ++i)
    for (std::size_t j = i + 1; j < paths.size(); ++j)
      if (nested(std::get<1>(paths[i]), std::get<1>(paths[j])))
        errors.add(r.where(std::get<2>(paths[j])), fmt::format("'{}' = \"{}\" overlaps '{}' = \"{}\": one would hide the other",
                                                               std::get<0>(paths[j]), std::get<1>(paths[j]).string(),
                                                               std::get<0>(paths[i]), std::get<1>(paths[i]).string()));
}

}  // namespace

std::string to_string(Tier t) {
  switch (t) {
    case Tier::setup: return "setup";
    case Tier::fail_to_pass: return "fail_to_pass";
    case Tier::strict: return "strict";
    case Tier::pass_to_pass: return "pass_to_pass";
  }
  return "?";
}

std::string to_string(Runner r) {
  for (const auto& [kind, name] : kRunners)
    if (kind == r) return name;
  return "none";
}

std::optional<Runner> parse_runner(std::string_view name) {
  for (const auto& [kind, n] : kRunners)
    if (name == n) return kind;
  return std::nullopt;
}

bool RewardCheck::holds(double v) const {
  if (op == ">") return v > value;
  if (op == ">=") return v >= value;
  return v == value;
}

std::optional<RewardCheck> parse_reward_check(std::string_view id) {
  static const std::regex form(R"(([A-Za-z_][A-Za-z0-9_.-]{0,63}) *(>=|>|=) *(-?[0-9]{1,9}(\.[0-9]{1,9})?))");
  std::match_results<std::string_view::const_iterator> m;
  if (id.size() > 100 || !std::regex_match(id.begin(), id.end(), m, form)) return std::nullopt;
  return RewardCheck{m[1].str(), m[2].str(), std::stod(m[3].str())};
}

bool is_local_url(std::string_view url) {
  const auto colon = url.find(':');
  return url.find("://") == std::string_view::npos && (colon == std::string_view::npos || url.find('/') < colon);
}

fs::path local_url_path(const Task& task) { return (task.dir / task.repo.url).lexically_normal(); }

std::vector<std::string> default_protected(const std::string& language) {
  static const std::map<std::string, std::vector<std::string>> defaults = {
      {"python", {"conftest.py", "pytest.ini", "tox.ini", "setup.cfg", "pyproject.toml", "sitecustomize.py",
                  "usercustomize.py", "*.pth", "__pycache__/", "*.pyc"}},
      {"javascript", {"package.json", "node_modules/", ".mocharc*", "jest.config*", "vitest.config*", "babel.config*",
                      ".babelrc*"}},
      {"cpp", {"Makefile", "makefile", "GNUmakefile", "*.mk", "CMakeLists.txt", "*.cmake", "meson.build", "build/",
               "*.o", "*.a", "*.so"}},
      {"java", {"pom.xml", "build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts", "gradle/",
                "gradlew", "mvnw", ".mvn/", "build.xml", "*.class", "*.jar"}},
      {"rust", {"Cargo.toml", "build.rs", ".cargo/", "target/"}},
      {"go", {"go.mod", "go.sum", "vendor/"}},
  };
  const auto& key = language == "typescript" ? "javascript" : language == "c" ? "cpp" : language;
  auto it = defaults.find(key);
  auto out = it == defaults.end() ? std::vector<std::string>{} : it->second;
  if (language == "typescript") out.push_back("tsconfig*.json");
  return out;
}

std::vector<const TestCommand*> Task::tier(Tier t) const {
  std::vector<const TestCommand*> out;
  for (const auto& tc : tests) {
    if (tc.tier == t) out.push_back(&tc);
  }
  return out;
}

const Task* Suite::find(const std::string& id) const {
  for (const auto& t : tasks) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

Task load_task(const fs::path& task_dir) {
  const auto spec_file = fs::absolute(task_dir).lexically_normal() / "task.toml";
  if (!fs::exists(spec_file))
    throw core::UsageError(fmt::format("{}: no task.toml in this folder", spec_file.parent_path().string()));
  return parse_task(core::read_file(spec_file), task_dir);
}

// One reader per part of task.toml, in the order docs/task-format.md lists them.
Task parse_task(std::string_view spec, const fs::path& task_dir) {
  Task t;
  t.dir = fs::absolute(task_dir).lexically_normal();
  t.spec_file = t.dir / "task.toml";
  core::SpecErrors errors(t.spec_file);
  const auto parsed = core::parse_toml(spec, errors);
  errors.throw_if_any();
  core::TableReader r(*parsed, "", errors);
  read_identity(r, t, errors);
  read_protected(r, t);
  read_statement(r, t, errors);
  t.toolchain = r.string_list("toolchain", false);
  read_repo(r, t);
  read_fix(r, t, errors);
  read_hidden(r, t, errors);
  read_tests(r, t);
  read_grades(r, t);
  read_limits(r, t, errors);
  read_origin(r, t, errors);
  read_task_environment(r, t, errors);
  check_sandbox_paths(r, t, errors);
  r.finish();
  errors.throw_if_any();
  t.hash = content_hash(t, spec);
  return t;
}

Suite load_suite(const fs::path& suite_dir) {
  if (!fs::is_directory(suite_dir))
    throw core::UsageError(fmt::format("suite folder {} does not exist", suite_dir.string()));
  Suite s;
  s.dir = fs::absolute(suite_dir).lexically_normal();
  s.name = s.dir.filename().string();
  if (s.name.empty()) s.name = s.dir.parent_path().filename().string();
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(s.dir)) {
    if (e.is_directory() && fs::exists(e.path() / "task.toml")) dirs.push_back(e.path());
  }
  std::sort(dirs.begin(), dirs.end());
  std::string problems;
  std::map<std::string, fs::path> seen;
  for (const auto& d : dirs) {
    try {
      auto t = load_task(d);
      if (auto it = seen.find(t.id); it != seen.end()) {
        problems += fmt::format("{}:1:1: task id '{}' is also used by {}\n", t.spec_file.string(), t.id,
                                it->second.string());
        continue;
      }
      seen[t.id] = t.spec_file;
      s.tasks.push_back(std::move(t));
    } catch (const core::UsageError& e) {
      problems += std::string(e.what()) + "\n";
    }
  }
  if (!problems.empty()) {
    problems.pop_back();
    throw core::UsageError(problems);
  }
  if (s.tasks.empty())
    throw core::UsageError(fmt::format("suite {} holds no task (a task is a folder with a task.toml)", s.dir.string()));
  return s;
}

}  // namespace agentrace::suite
