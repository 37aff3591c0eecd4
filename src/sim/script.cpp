#include "sim/script.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <openssl/evp.h>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/toml-reader.hpp"
#include "suite/task.hpp"
#include "wire/codec.hpp"

namespace agentrace::sim {

namespace {

std::optional<ToolStep> read_tool(core::TableReader& r, const std::string& name) {
  const bool shell = r.has("shell"), write = r.has("write_file"), read = r.has("read_file");
  if (shell + write + read != 1) {
    r.errors().add(r.node().source(),
                   fmt::format("'{}' needs exactly one of shell, write_file, read_file", name));
    return std::nullopt;
  }
  ToolStep step;
  if (shell) {
    step.command = r.string("shell", true).value_or("");
  } else if (write) {
    step.kind = ToolKind::write_file;
    step.path = r.string("write_file", true).value_or("");
    if (!r.has("content")) r.errors().add(r.node().source(), fmt::format("'{}' needs content", name));
    step.content = r.string("content", false).value_or("");
  } else {
    step.kind = ToolKind::read_file;
    step.path = r.string("read_file", true).value_or("");
  }
  r.finish();
  return step;
}

Turn read_turn(core::TableReader& r, const std::string& name) {
  Turn turn;
  turn.text = r.string("text", false).value_or("");
  turn.reasoning = r.string("reasoning", false).value_or("");
  const auto tools = r.table_array("tools", false);
  for (std::size_t i = 0; i < tools.size(); ++i) {
    const std::string tool_name = fmt::format("{}.tools[{}]", name, i);
    core::TableReader tr(*tools[i], tool_name, r.errors());
    if (auto step = read_tool(tr, tool_name)) turn.tools.push_back(std::move(*step));
  }
  if (turn.text.empty() && turn.tools.empty()) {
    r.errors().add(r.node().source(), fmt::format("'{}' needs text or tools", name));
  }
  r.finish();
  return turn;
}

// The first max_bytes of the text, trimmed, never cutting a UTF-8 character.
std::string trimmed_prefix(std::string_view text, std::size_t max_bytes) {
  const auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  if (text.empty()) return {};
  std::string out(wire::split_utf8(text, max_bytes).front());
  while (!out.empty() && space(out.back())) out.pop_back();
  return out;
}

}  // namespace

Script load_script(const std::filesystem::path& file) {
  core::SpecErrors errors(file);
  const auto table = core::parse_toml_file(file, errors);
  errors.throw_if_any();
  core::TableReader r(*table, "", errors);
  Script script;
  script.name = r.string("name", false).value_or(file.stem().string());
  script.match = r.string("match", false).value_or("");
  script.final_text = r.string("final", false).value_or("Done.");
  const auto turns = r.table_array("turn", true);
  for (std::size_t i = 0; i < turns.size(); ++i) {
    const std::string name = fmt::format("turn[{}]", i);
    core::TableReader tr(*turns[i], name, errors);
    script.turns.push_back(read_turn(tr, name));
  }
  r.finish();
  errors.throw_if_any();
  return script;
}

Script default_script() {
  Script script;
  script.name = "default";
  script.turns.push_back(Turn{"", "", {ToolStep{ToolKind::shell, "ls", "", ""}}});
  return script;
}

namespace {

// Agent CLIs refuse a command with control characters (Claude Code: "command contains
// control characters" for a patch of CRLF files), so such text travels as base64.
bool plain_text(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return c == '\n' || c == '\t' || (u >= 0x20 && u != 0x7f);
  });
}

std::string base64_lines(std::string_view text) {
  std::string encoded(4 * ((text.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  encoded.resize(static_cast<std::size_t>(n));
  std::string out;
  for (std::size_t i = 0; i < encoded.size(); i += 76) out += encoded.substr(i, 76) + "\n";
  return out;
}

}  // namespace

std::string heredoc_command(std::string_view command, std::string_view text) {
  std::string delimiter = "AGENTRACE_EOF";
  const auto occurs = [&] {
    return text.find(delimiter) != std::string_view::npos;
  };
  for (int n = 1; occurs(); ++n) delimiter = fmt::format("AGENTRACE_EOF_{}", n);
  if (!plain_text(text)) return fmt::format("base64 -d <<'{}' | ({})\n{}{}", delimiter, command, base64_lines(text), delimiter);
  std::string body(text);
  if (!body.empty() && body.back() != '\n') body.push_back('\n');
  return fmt::format("{} <<'{}'\n{}{}", command, delimiter, body, delimiter);
}

std::vector<Script> suite_scripts(const suite::Suite& suite) {
  std::vector<Script> scripts;
  for (const suite::Task& task : suite.tasks) {
    Script script;
    script.name = task.id;
    script.match = trimmed_prefix(task.statement, 200);
    const std::string patch = core::read_file(task.fix_patch);
    script.turns.push_back(Turn{"Applying the fix.", "", {ToolStep{ToolKind::shell, heredoc_command("git apply", patch), "", ""}}});
    script.turns.push_back(Turn{"", "", {ToolStep{ToolKind::shell, "git diff --stat", "", ""}}});
    script.turns.push_back(Turn{"The fix is applied.", "", {}});
    scripts.push_back(std::move(script));
  }
  return scripts;
}

std::string squash_space(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

Turn turn_at(const Script& script, std::size_t index) {
  if (index < script.turns.size()) return script.turns[index];
  return Turn{script.final_text, "", {}};
}

void ScriptBook::add(Script script) {
  squashed_.push_back(squash_space(script.match));
  scripts_.push_back(std::move(script));
}

const Script& ScriptBook::select(const std::vector<std::string>& user_texts) const {
  std::vector<std::string> texts;
  for (const auto& t : user_texts) texts.push_back(squash_space(t));
  const Script* best = nullptr;
  std::size_t best_length = 0;
  for (std::size_t i = 0; i < scripts_.size(); ++i) {
    const std::string& match = squashed_[i];
    const bool hit = std::any_of(texts.begin(), texts.end(),
                                 [&](const std::string& t) { return t.find(match) != std::string::npos; });
    if (hit && (best == nullptr || match.size() > best_length)) {
      best = &scripts_[i];
      best_length = match.size();
    }
  }
  return best ? *best : fallback_;
}

}  // namespace agentrace::sim
