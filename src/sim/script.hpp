#pragma once
// Scripts: what the simulated model answers. A script is an ordered list of assistant turns
// for one task (text, or generic tool calls); it applies to a conversation whose user
// text contains its `match` string, and the turn answered is the number of assistant
// turns with tool calls already in the conversation, so one script drives any scaffold.
// Format: docs/sim.md.
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace agentrace::suite {
struct Suite;
}

namespace agentrace::sim {

// Generic tools, translated per request into the tools the agent offers (tools.hpp).
enum class ToolKind { shell, write_file, read_file };

struct ToolStep {
  ToolKind kind = ToolKind::shell;
  std::string command;  // shell
  std::string path;     // write_file, read_file
  std::string content;  // write_file
};

struct Turn {
  std::string text;
  std::string reasoning;
  std::vector<ToolStep> tools;  // empty: a final text answer (end_turn)
};

struct Script {
  std::string name;
  std::string match;  // "" matches every conversation (the default script)
  std::vector<Turn> turns;
  std::string final_text = "Done.";  // answered once the turns are used up
};

// Reads a script file; throws core::UsageError naming file:line:col.
Script load_script(const std::filesystem::path& file);
// Runs `ls`, then finishes: any agent completes one tool loop.
Script default_script();
// One script per task: apply the task's fix with `git apply`, show `git diff --stat`, finish.
std::vector<Script> suite_scripts(const suite::Suite& suite);
// A shell command that feeds `text` to `command` through a quoted heredoc whose
// delimiter does not occur in the text; text with control characters (CR of CRLF files)
// goes as base64, decoded by `base64 -d`, so the command holds none.
std::string heredoc_command(std::string_view command, std::string_view text);

// Runs of whitespace become one space, ends trimmed: matching ignores line wrapping.
std::string squash_space(std::string_view text);

// Turn `index` of a script, or the final text once the turns are used up.
Turn turn_at(const Script& script, std::size_t index);

class ScriptBook {
 public:
  void add(Script script);
  // The script whose match occurs in any of the user texts; the longest match wins,
  // then the first added. The default script when none matches and none has match "".
  const Script& select(const std::vector<std::string>& user_texts) const;
  std::size_t size() const { return scripts_.size(); }

 private:
  std::vector<Script> scripts_;
  std::vector<std::string> squashed_;  // squash_space(match), same order
  Script fallback_ = default_script();
};

}  // namespace agentrace::sim
