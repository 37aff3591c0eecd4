#include "interop/harbor.hpp"

#include <cmath>
#include <regex>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/shell.hpp"
#include "core/toml-reader.hpp"
#include "env/env.hpp"
#include "env/image.hpp"
#include "interop/fix-commit.hpp"
#include "proc/spawn.hpp"
#include "sandbox/sandbox.hpp"
#include "suite/environment.hpp"
#include "suite/task.hpp"
#include "workspace/workspace.hpp"

namespace agentrace::interop {
namespace fs = std::filesystem;
namespace {

constexpr const char* kDefaultWorkdir = "/app";  // Harbor's agents and verifiers work there
constexpr const char* kTestsAt = "/tests";
constexpr const char* kLogs = "/logs/verifier";
constexpr const char* kSolutionAt = "/solution";

// What agentrace reads of a Harbor task.toml; every other key is named as having no counterpart.
struct HarborMeta {
  std::string name, description;
  std::vector<std::string> tags;
  std::vector<std::pair<std::string, std::string>> origin;  // string fields kept in [origin]
  std::optional<double> agent_timeout, verifier_timeout;
  std::vector<std::pair<std::string, std::string>> verifier_env;
  std::string docker_image;
  std::vector<std::string> no_counterpart;
};

// A table's strings go to [origin] ([task]'s as task_*), unless the name is taken; the
// rest of its keys have no counterpart.
void read_table(const std::string& key, const toml::table& table, HarborMeta& m) {
  static const std::set<std::string> read = {"task.name", "task.description", "task.keywords", "metadata.tags",
                                             "agent.timeout_sec", "verifier.timeout_sec", "verifier.env",
                                             "environment.docker_image"};
  for (const auto& [k, node] : table) {
    const auto dotted = key + "." + std::string(k.str());
    if (read.count(dotted)) continue;
    const auto* text = node.as_string();
    const auto name = key == "task" ? "task_" + std::string(k.str()) : std::string(k.str());
    const bool taken = std::any_of(m.origin.begin(), m.origin.end(), [&](const auto& kv) { return kv.first == name; });
    if (text && (key == "metadata" || key == "task") && !taken && name != "kind" && name != "id")
      m.origin.emplace_back(name, text->get());
    else
      m.no_counterpart.push_back(dotted);
  }
}

void read_tables(const toml::table& root, HarborMeta& m) {
  for (const auto& [k, node] : root) {
    const std::string key(k.str());
    if (const auto* text = node.as_string(); text && (key == "version" || key == "schema_version"))
      m.origin.emplace_back(key, text->get());
    else if (const auto* table = node.as_table())
      read_table(key, *table, m);
    else
      m.no_counterpart.push_back(key);
  }
}

std::vector<std::string> strings_at(toml::node_view<const toml::node> v) {
  std::vector<std::string> out;
  if (const auto* a = v.as_array())
    for (const auto& e : *a)
      if (const auto* s = e.as_string()) out.push_back(s->get());
  return out;
}

HarborMeta read_meta(const fs::path& file) {
  core::SpecErrors errors(file);
  const auto parsed = core::parse_toml_file(file, errors);
  errors.throw_if_any();
  const toml::table& t = *parsed;
  HarborMeta m;
  m.name = t["task"]["name"].value_or(std::string());
  m.description = t["task"]["description"].value_or(std::string());
  m.tags = strings_at(t["metadata"]["tags"]);
  for (auto& k : strings_at(t["task"]["keywords"])) m.tags.push_back(std::move(k));
  m.agent_timeout = t["agent"]["timeout_sec"].value<double>();
  m.verifier_timeout = t["verifier"]["timeout_sec"].value<double>();
  m.docker_image = t["environment"]["docker_image"].value_or(std::string());
  if (const auto* env = t["verifier"]["env"].as_table())
    for (const auto& [k, v] : *env) m.verifier_env.emplace_back(std::string(k.str()), v.value_or(std::string()));
  read_tables(t, m);
  return m;
}

// The task's title: the instruction's first heading or line, else the task's name.
std::string title_of(const std::string& instruction, const std::string& fallback) {
  std::istringstream in(instruction);
  for (std::string line; std::getline(in, line);) {
    const auto start = line.find_first_not_of("# \t");
    if (start == std::string::npos) continue;
    line = line.substr(start);
    return line.size() > 100 ? line.substr(0, 97) + "..." : line;
  }
  return fallback;
}

int seconds(std::optional<double> s, int fallback, int most) {
  return s && *s > 0 ? std::min(most, static_cast<int>(std::ceil(*s))) : fallback;
}

// [environment]: the workdir, the Dockerfile's ENV (PATH as `path`), and an image when one is given.
std::string environment_toml(const Dockerfile& d, const fs::path& workdir, const fs::path& image,
                             std::vector<std::string>& notes) {
  std::string t = fmt::format("\n[environment]\nworkdir = {}\n", toml_quote(workdir.string()));
  if (!image.empty()) t += fmt::format("image = {}\n", toml_quote(fs::absolute(image).string()));
  std::vector<std::string> path;
  std::string env;
  for (const auto& [k, v] : d.env) {
    if (k == "PATH") {
      for (const auto& p : split(v, ':'))
        if (!p.empty() && p.front() == '/' && p.find('$') == std::string::npos && p != "/usr/local/bin" && p != "/usr/bin" &&
            p != "/bin" && p != "/usr/local/sbin" && p != "/usr/sbin" && p != "/sbin")
          path.push_back(p);
    } else if (std::regex_match(k, std::regex("[A-Za-z_][A-Za-z0-9_]{0,99}")) && k != "HOME") {
      env += fmt::format("{}{} = {}", env.empty() ? "" : ", ", k, toml_quote(v));
    } else {
      notes.push_back(fmt::format("Dockerfile ENV {}: cannot be set in the sandbox, left out", k));
    }
  }
  if (!path.empty()) {
    t += "path = [";
    for (std::size_t i = 0; i < path.size(); ++i) t += (i ? ", " : "") + toml_quote(path[i]);
    t += "]\n";
  }
  if (!env.empty()) t += "env = { " + env + " }\n";
  return t;
}

// The image for a task: DIR/<id>.tar, DIR/<id>/ (an OCI layout), or the same named after
// its docker_image or FROM with '/' and ':' as '_'.
fs::path find_image(const fs::path& images, const std::string& id, const HarborMeta& m, const Dockerfile& d,
                    std::vector<std::string>& notes) {
  if (images.empty()) return {};
  std::vector<std::string> names = {id};
  for (auto n : {m.docker_image, d.from}) {
    if (n.empty()) continue;
    std::replace(n.begin(), n.end(), '/', '_');
    std::replace(n.begin(), n.end(), ':', '_');
    names.push_back(n);
  }
  for (const auto& n : names)
    for (const auto& p : {images / (n + ".tar"), images / n})
      if (fs::exists(p)) return p;
  notes.push_back(fmt::format("no image {}.tar or {}/ in {}: the task runs on this machine's /usr", id, id, images.string()));
  return {};
}

// Grading is offline: a verifier that installs what it needs cannot.
void check_offline(const fs::path& test_sh, std::vector<std::string>& notes) {
  static const std::regex installs(R"((^|[\s;&|(])(curl|wget|pip3? install|uv (pip|tool|sync|add|run)|uvx|apt-get|apt|apk add|npm (install|i|ci)|npx)\s)");
  if (!fs::exists(test_sh)) return;
  std::smatch m;
  const auto text = core::read_file(test_sh);
  if (std::regex_search(text, m, installs))
    notes.push_back(fmt::format("tests/test.sh fetches or installs at grading ('{}'), and grading is offline: move that "
                                "into the task's [environment] setup or an image", m[2].str()));
}

TaskDraft draft_of(const HarborMeta& m, const std::string& name, const std::string& id, const std::string& instruction,
                   const std::string& language) {
  TaskDraft d;
  d.id = id;
  d.title = title_of(instruction, name);
  d.language = language;
  d.tags = m.tags;
  d.toolchain = {"bash"};
  d.statement = instruction;
  d.repo_dir = "repo";
  d.hidden_dir = "tests";
  d.hidden_at = kTestsAt;
  d.logs = kLogs;
  d.test_timeout_s = seconds(m.verifier_timeout, 600, 3600);
  d.agent_seconds = seconds(m.agent_timeout, 0, 86400);
  std::string cmd = "bash /tests/test.sh";
  for (auto it = m.verifier_env.rbegin(); it != m.verifier_env.rend(); ++it) cmd = it->first + "=" + core::shell_quote(it->second) + " " + cmd;
  if (!m.verifier_env.empty()) cmd = "env " + cmd;
  d.tests.push_back({"fail_to_pass", "verifier", cmd, "reward", {"reward>0", "reward>=1"}});
  d.miss = "The verifier's reward is 0: its checks fail.";
  d.basic = "A partial reward (between 0 and 1): some of the verifier's checks pass.";
  d.solid = "Not used: the verifier gives one reward, so a full reward is Complete.";
  d.complete = "Reward 1: every check of the verifier (tests/test.sh) passes.";
  d.origin = {{"kind", "harbor"}, {"id", name}};
  for (const auto& kv : m.origin) d.origin.push_back(kv);
  return d;
}

// Runs solution/solve.sh in the sandbox on a fresh workspace of the task (at its workdir,
// with its environment, no network) and returns the diff it leaves: the task's oracle.
std::string run_solution(const fs::path& task_dir, const fs::path& solution, const fs::path& work, sandbox::Mode mode,
                         std::vector<std::string>& notes) {
  const auto task = suite::load_task(task_dir);
  env::Cache envs(work / "envs", mode);
  sandbox::Environment view;
  if (task.environment) view = envs.view(*task.environment, envs.ensure(*task.environment));
  workspace::RepoCache repos(work / "repos");
  const auto base = repos.base(task);
  const auto scratch = work / "solve" / task.id;
  fs::remove_all(scratch);
  fs::create_directories(scratch / "home");
  workspace::create_workspace(base, scratch / "workspace");
  sandbox::Spec sb{scratch / "workspace", scratch / "home", {{solution, kSolutionAt, false}}, {}, {}};
  sb.environment = view;
  auto spec = sandbox::wrap(sb, mode, {"bash", std::string(kSolutionAt) + "/solve.sh"});
  spec.stdout_path = scratch / "solve.log";
  spec.stderr_path = scratch / "solve.err";
  spec.timeout = std::chrono::seconds(task.agent_seconds);
  const auto r = proc::run(spec);
  if (!r.ok())
    notes.push_back(fmt::format("solution/solve.sh failed in the sandbox ({}), so fix.patch holds what it did before: {}",
                                r.describe(), core::read_tail(spec.stderr_path, 600) + core::read_tail(spec.stdout_path, 300)));
  auto diff = workspace::capture_diff(base, scratch / "workspace", mode);
  if (diff.empty()) notes.push_back("solution/solve.sh changed nothing under the workdir: fix.patch is empty");
  return diff;
}

// With the task's built image, the base is what the image holds at the workdir, its RUN
// steps' work included.
void workdir_from_image(const fs::path& image, const fs::path& workdir, const fs::path& scratch, const fs::path& repo,
                        std::vector<std::string>& notes) {
  fs::remove_all(scratch);
  env::unpack_image(image, scratch / "rootfs", scratch / "tools", {});
  const auto from = scratch / "rootfs" / workdir.relative_path();
  fs::create_directories(repo);
  if (!core::resolves_inside(scratch / "rootfs", from))
    throw core::UsageError(fmt::format("{}: the image's {} is a link leading out of it", image.string(), workdir.string()));
  if (!fs::is_directory(from)) {
    notes.push_back(fmt::format("the image has no {}: the workdir starts empty", workdir.string()));
  } else {
    copy_plain(from, repo, notes);
  }
  notes.push_back(fmt::format("the workdir's files come from the image {}", image.filename().string()));
  std::error_code ec;
  fs::remove_all(scratch, ec);
}

std::vector<std::string> files_under(const fs::path& dir) {
  std::vector<std::string> out;
  if (fs::is_directory(dir))
    for (const auto& e : fs::recursive_directory_iterator(dir))
      if (e.is_regular_file()) out.push_back(e.path().string());
  return out;
}

ImportedTask import_one(const HarborImport& o, const fs::path& src, const fs::path& work) {
  const auto m = read_meta(src / "task.toml");
  const auto name = m.name.empty() ? src.filename().string() : m.name;
  const auto id = id_from(name.substr(name.rfind('/') == std::string::npos ? 0 : name.rfind('/') + 1));
  ImportedTask r{id, fs::absolute(o.out / id), {}};
  if (fs::exists(r.dir) && !fs::is_empty(r.dir))
    throw core::UsageError(fmt::format("{} exists: import into a new suite folder, or remove it", r.dir.string()));
  if (!fs::is_regular_file(src / "instruction.md"))
    throw core::UsageError(fmt::format("{}: no instruction.md (the task's prompt)", src.string()));
  if (!fs::is_regular_file(src / "tests" / "test.sh"))
    throw core::UsageError(fmt::format("{}: no tests/test.sh (the verifier)", src.string()));
  Dockerfile docker;
  if (fs::is_regular_file(src / "environment" / "Dockerfile")) docker = read_dockerfile(src / "environment" / "Dockerfile");
  else r.notes.push_back("no environment/Dockerfile: the workdir starts empty");
  const auto workdir = docker.workdir.empty() ? fs::path(kDefaultWorkdir) : docker.workdir;
  if (!suite::is_free_sandbox_path(workdir.string()))
    throw core::UsageError(fmt::format("{}: WORKDIR {} is one of the sandbox's own folders; agentrace cannot show the "
                                       "task there", src.string(), workdir.string()));
  const auto image = find_image(o.images, id, m, docker, r.notes);
  if (image.empty()) materialise_workdir(docker, src / "environment", workdir, r.dir / "repo", r.notes);
  else workdir_from_image(image, workdir, work / "unpack" / id, r.dir / "repo", r.notes);
  copy_plain(src / "tests", r.dir / "tests", r.notes);
  auto d = draft_of(m, name, id, core::read_file(src / "instruction.md"), guess_language(files_under(r.dir / "repo")));
  d.extra_toml = environment_toml(docker, workdir, image, r.notes);
  if (image.empty())
    for (const auto& n : docker.not_reproduced)
      r.notes.push_back("Dockerfile " + n + ": not reproduced (--images with the built image gives the task its effect)");
  if (!m.no_counterpart.empty()) r.notes.push_back(fmt::format("task.toml keys with no counterpart: {}", fmt::join(m.no_counterpart, ", ")));
  check_offline(src / "tests" / "test.sh", r.notes);
  d.notes = {fmt::format("Imported by `agentrace import harbor` from {}.", src.string())};
  write_task(d, r.dir);
  if (!fs::is_regular_file(src / "solution" / "solve.sh")) {
    r.notes.push_back("no solution/solve.sh: fix.patch is empty; write the reference fix there, or validate fails");
    return r;
  }
  copy_plain(src / "solution", r.dir / "solution", r.notes);
  core::write_file(r.dir / "fix.patch", run_solution(r.dir, r.dir / "solution", work, sandbox::parse_mode(o.sandbox), r.notes));
  return r;
}

}  // namespace

std::vector<ImportedTask> import_harbor(const HarborImport& o) {
  std::vector<fs::path> sources;
  if (fs::is_regular_file(o.dir / "task.toml")) {
    sources.push_back(o.dir);
  } else if (fs::is_directory(o.dir)) {
    for (const auto& e : fs::directory_iterator(o.dir))
      if (e.is_directory() && fs::is_regular_file(e.path() / "task.toml")) sources.push_back(e.path());
    std::sort(sources.begin(), sources.end());
  }
  if (sources.empty())
    throw core::UsageError(fmt::format("{}: neither a Harbor task folder (task.toml, instruction.md, tests/test.sh) nor "
                                       "a folder of them", o.dir.string()));
  std::optional<core::TempDir> tmp;
  if (o.work.empty()) tmp.emplace("agentrace-import-harbor");
  const auto work = o.work.empty() ? tmp->path() : fs::absolute(o.work);
  std::vector<ImportedTask> out;
  for (const auto& src : sources) out.push_back(import_one(o, src, work));
  return out;
}

}  // namespace agentrace::interop
