#include "interop/swe-bench.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "interop/task-writer.hpp"

namespace agentrace::interop {
namespace fs = std::filesystem;
using nlohmann::json;
namespace {

// FAIL_TO_PASS and PASS_TO_PASS are JSON lists, or (as the dataset ships them) strings
// holding one.
std::vector<std::string> id_list(const json& v) {
  const auto list = v.is_string() ? json::parse(v.get<std::string>()) : v;
  if (!list.is_array()) throw std::invalid_argument("not a list of test ids");
  return list.get<std::vector<std::string>>();
}

SweBenchInstance instance_of(const json& j) {
  auto str = [&](const char* key, bool required) {
    if (!j.contains(key) || j[key].is_null()) {
      if (required) throw std::invalid_argument(fmt::format("missing field '{}'", key));
      return std::string();
    }
    if (!j[key].is_string()) throw std::invalid_argument(fmt::format("'{}' is not a string", key));
    return j[key].get<std::string>();
  };
  SweBenchInstance i{str("instance_id", true), str("repo", true), str("base_commit", true), str("patch", true),
                     str("test_patch", true), str("problem_statement", true), str("hints_text", false),
                     str("version", false), str("environment_setup_commit", false), str("created_at", false), {}, {}};
  for (const char* key : {"FAIL_TO_PASS", "PASS_TO_PASS"}) {
    if (!j.contains(key)) throw std::invalid_argument(fmt::format("missing field '{}'", key));
    try {
      (std::string(key) == "FAIL_TO_PASS" ? i.fail_to_pass : i.pass_to_pass) = id_list(j[key]);
    } catch (const std::exception& e) {
      throw std::invalid_argument(fmt::format("'{}': {}", key, e.what()));
    }
  }
  if (i.fail_to_pass.empty()) throw std::invalid_argument("'FAIL_TO_PASS' is empty: nothing tells a fix apart");
  return i;
}

fs::path local_clone(const fs::path& repos, const std::string& repo) {
  if (repos.empty()) return {};
  auto slash = repo.find('/');
  const auto owner = repo.substr(0, slash), name = slash == std::string::npos ? repo : repo.substr(slash + 1);
  for (const auto& p : {repos / (owner + "__" + name), repos / owner / name, repos / (owner + "__" + name + ".git")})
    if (fs::is_directory(p)) return fs::absolute(p).lexically_normal();
  return {};
}

std::string environment_toml(const SweBenchImport& o, const SweBenchInstance& i, std::vector<std::string>& notes) {
  const auto name = swe_bench_image_name(i.instance_id);
  if (!o.images.empty()) {
    for (const auto& p : {o.images / (name + ".tar"), o.images / name})
      if (fs::exists(p)) return fmt::format("\n[environment]\nimage = {}\n", toml_quote(fs::absolute(p).string()));
    notes.push_back(fmt::format("no image {}.tar or {} in {}: the task has no environment", name, name, o.images.string()));
  }
  if (o.setup) return fmt::format("\n[environment]\nsetup = {}\n", toml_quote(*o.setup));
  return {};
}

}  // namespace

std::string swe_bench_image_name(const std::string& instance_id) {
  std::string id;
  for (const char ch : instance_id) id += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (std::size_t at = id.find("__"); at != std::string::npos; at = id.find("__", at + 6)) id.replace(at, 2, "_1776_");
  return "sweb.eval.x86_64." + id;
}

std::string swe_bench_task_id(const std::string& instance_id) {
  std::string id;
  for (const char ch : instance_id) {
    const auto c = static_cast<unsigned char>(ch);
    id += std::isalnum(c) && c < 0x80 ? static_cast<char>(std::tolower(c)) : '-';
  }
  return id;
}

std::vector<SweBenchInstance> read_swe_bench(const fs::path& file) {
  const auto text = core::read_file(file);
  std::vector<std::pair<int, json>> rows;
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '[') {
    const auto all = json::parse(text, nullptr, false);
    if (!all.is_array()) throw core::UsageError(fmt::format("{}: not a JSON array of instances", file.string()));
    for (const auto& j : all) rows.emplace_back(0, j);
  } else {
    int line = 0;
    for (std::size_t at = 0; at < text.size();) {
      auto end = text.find('\n', at);
      if (end == std::string::npos) end = text.size();
      ++line;
      const auto row = text.substr(at, end - at);
      at = end + 1;
      if (row.find_first_not_of(" \t\r") == std::string::npos) continue;
      auto j = json::parse(row, nullptr, false);
      if (j.is_discarded() || !j.is_object())
        throw core::UsageError(fmt::format("{}:{}: not a JSON object (one instance per line)", file.string(), line));
      rows.emplace_back(line, std::move(j));
    }
  }
  std::vector<SweBenchInstance> out;
  for (const auto& [line, j] : rows) {
    try {
      out.push_back(instance_of(j));
    } catch (const std::exception& e) {
      throw core::UsageError(fmt::format("{}:{}: {}", file.string(), line, e.what()));
    }
  }
  return out;
}

namespace {

ImportedTask import_one(const SweBenchImport& o, const SweBenchInstance& i) {
  ImportedTask r{swe_bench_task_id(i.instance_id), o.out / swe_bench_task_id(i.instance_id), {}};
  TaskDraft d;
  d.id = r.id;
  d.title = i.instance_id;
  d.language = "python";
  d.statement = i.problem_statement;
  const auto clone = local_clone(o.repos, i.repo);
  d.repo_url = clone.empty() ? fmt::format("https://github.com/{}.git", i.repo) : clone.string();
  if (clone.empty() && !o.repos.empty()) r.notes.push_back(fmt::format("no clone of {} in {}: the task names GitHub",
                                                                       i.repo, o.repos.string()));
  d.base_commit = i.base_commit;
  d.fix_patch = i.patch;
  d.hidden_patch = i.test_patch;
  d.tests.push_back({"fail_to_pass", "FAIL_TO_PASS", "", "pytest", i.fail_to_pass});
  if (!i.pass_to_pass.empty()) d.tests.push_back({"pass_to_pass", "PASS_TO_PASS", "", "pytest", i.pass_to_pass});
  d.miss = "The FAIL_TO_PASS tests still fail.";
  d.basic = "Some FAIL_TO_PASS tests pass, or a PASS_TO_PASS test broke.";
  d.solid = "FAIL_TO_PASS and PASS_TO_PASS pass (SWE-bench's \"resolved\").";
  d.complete = "Resolved; SWE-bench has no stricter tier, so Solid and Complete coincide.";
  d.origin = {{"kind", "swe-bench"}, {"id", i.instance_id}, {"repo", i.repo}};
  for (const auto& [k, v] : {std::pair{"version", i.version}, {"created_at", i.created_at},
                             {"environment_setup_commit", i.environment_setup_commit}})
    if (!v.empty()) d.origin.emplace_back(k, v);
  d.extra_toml = environment_toml(o, i, r.notes);
  d.notes = {fmt::format("Imported by `agentrace import swe-bench` from {}.", o.file.filename().string())};
  if (!i.hints_text.empty()) {
    d.files.emplace_back("hints.md", i.hints_text);
    d.notes.push_back("hints.md holds hints_text; like SWE-bench by default, the agent is not shown it.");
  }
  write_task(d, r.dir);
  return r;
}

}  // namespace

std::vector<ImportedTask> import_swe_bench(const SweBenchImport& o) {
  auto all = read_swe_bench(o.file);
  for (const auto& want : o.instances)
    if (std::none_of(all.begin(), all.end(), [&](const auto& i) { return i.instance_id == want; }))
      throw core::UsageError(fmt::format("--instance {}: not in {}", want, o.file.string()));
  std::vector<ImportedTask> out;
  for (const auto& i : all) {
    if (!o.instances.empty() && std::find(o.instances.begin(), o.instances.end(), i.instance_id) == o.instances.end())
      continue;
    const auto dir = o.out / swe_bench_task_id(i.instance_id);
    if (fs::exists(dir) && !fs::is_empty(dir))
      throw core::UsageError(fmt::format("{} exists: import into a new suite folder, or remove it", dir.string()));
    out.push_back(import_one(o, i));
  }
  return out;
}

}  // namespace agentrace::interop
