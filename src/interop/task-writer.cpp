#include "interop/task-writer.hpp"

#include <algorithm>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "core/fs.hpp"

namespace agentrace::interop {

std::string toml_quote(const std::string& s) {
  std::ostringstream os;
  os << toml::value<std::string>(s);
  return os.str();
}

std::string id_from(const std::string& text) {
  std::string id;
  for (const unsigned char ch : text) {
    if (std::isalnum(ch) && ch < 0x80) {
      id += static_cast<char>(std::tolower(ch));
    } else if (!id.empty() && id.back() != '-') {
      id += '-';
    }
    if (id.size() >= 48) break;
  }
  while (!id.empty() && id.back() == '-') id.pop_back();
  return id.empty() ? "task" : id;
}

namespace {

// A bare key when it can be one, else a quoted one.
std::string toml_key(const std::string& k) {
  const bool bare = !k.empty() && std::all_of(k.begin(), k.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '-';
  });
  return bare ? k : toml_quote(k);
}

std::string toml_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const auto& i : items) out += fmt::format("\n  {},", toml_quote(i));
  return out + (items.empty() ? "]" : "\n]");
}

std::string toml_text(const TaskDraft& d) {
  std::string t;
  for (const auto& n : d.notes) t += "# " + n + "\n";
  t += fmt::format("id = {}\ntitle = {}\nlanguage = {}\nstatement = \"statement.md\"\n", toml_quote(d.id),
                   toml_quote(d.title), toml_quote(d.language));
  if (!d.tags.empty()) t += fmt::format("tags = {}\n", toml_list(d.tags));
  if (!d.toolchain.empty()) t += fmt::format("toolchain = {}\n", toml_list(d.toolchain));
  t += "\n";
  if (!d.origin.empty()) {
    t += "[origin]\n";
    for (const auto& [k, v] : d.origin) t += fmt::format("{} = {}\n", toml_key(k), toml_quote(v));
    t += "\n";
  }
  if (d.repo_dir.empty()) t += fmt::format("[repo]\nurl = {}\ncommit = {}\n\n", toml_quote(d.repo_url), toml_quote(d.base_commit));
  else t += fmt::format("[repo]\ndir = {}\n\n", toml_quote(d.repo_dir));
  t += "[fix]\npatch = \"fix.patch\"\n\n[hidden_tests]\n";
  if (d.hidden_dir.empty()) t += "patch = \"hidden.patch\"\n";
  else t += fmt::format("dir = {}\n", toml_quote(d.hidden_dir));
  if (!d.hidden_at.empty()) t += fmt::format("at = {}\n", toml_quote(d.hidden_at));
  t += "\n[tests]\n";
  if (d.setup) t += fmt::format("setup = {}\n", toml_quote(*d.setup));
  t += fmt::format("timeout_seconds = {}\n", d.test_timeout_s);
  if (!d.logs.empty()) t += fmt::format("logs = {}\n", toml_quote(d.logs));
  for (const auto& test : d.tests) {
    t += fmt::format("\n[[tests.{}]]\nname = {}\n", test.tier, toml_quote(test.name));
    if (!test.cmd.empty()) t += fmt::format("cmd = {}\n", toml_quote(test.cmd));
    if (!test.runner.empty()) t += fmt::format("runner = {}\nids = {}\n", toml_quote(test.runner), toml_list(test.ids));
  }
  t += fmt::format("\n[grades]\nmiss = {}\nbasic = {}\nsolid = {}\ncomplete = {}\n", toml_quote(d.miss),
                   toml_quote(d.basic), toml_quote(d.solid), toml_quote(d.complete));
  if (d.agent_seconds > 0) t += fmt::format("\n[limits]\nagent_seconds = {}\n", d.agent_seconds);
  return t + d.extra_toml;
}

}  // namespace

std::filesystem::path write_task(const TaskDraft& d, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  core::write_file(dir / "statement.md", d.statement);
  core::write_file(dir / "fix.patch", d.fix_patch);
  if (d.hidden_dir.empty()) core::write_file(dir / "hidden.patch", d.hidden_patch);
  for (const auto& [name, content] : d.files) core::write_file(dir / name, content);
  core::write_file(dir / "task.toml", toml_text(d));
  return dir / "task.toml";
}

}  // namespace agentrace::interop
