#include "sim/tools.hpp"

#include <array>

#include <nlohmann/json.hpp>

#include "core/shell.hpp"

namespace agentrace::sim {

using Json = nlohmann::ordered_json;

namespace {

// A tool name agents use, with the parameters it has when the request gives no schema.
struct KnownTool {
  std::string_view name;
  ToolKind kind;
  std::string_view main;         // the command or path parameter
  bool description = false;      // has a `description` parameter
  bool argv = false;             // the command is an argv array
};

// In order of preference when a request offers several.
constexpr std::array<KnownTool, 12> known_tools{{
    {"Bash", ToolKind::shell, "command", true},              // Claude Code
    {"bash", ToolKind::shell, "command"},                    // opencode, built-in agent
    {"exec_command", ToolKind::shell, "cmd"},                // Codex
    {"shell_command", ToolKind::shell, "command"},           // Codex (newer)
    {"run_shell_command", ToolKind::shell, "command", true}, // Qwen Code
    {"shell", ToolKind::shell, "command", false, true},      // Codex (older): argv
    {"Write", ToolKind::write_file, "file_path"},
    {"write", ToolKind::write_file, "filePath"},
    {"write_file", ToolKind::write_file, "file_path"},
    {"Read", ToolKind::read_file, "file_path"},
    {"read", ToolKind::read_file, "filePath"},
    {"read_file", ToolKind::read_file, "file_path"},
}};

constexpr std::array<std::string_view, 3> command_params{"command", "cmd", "script"};
constexpr std::array<std::string_view, 4> path_params{"file_path", "filePath", "path", "absolute_path"};

struct Choice {
  const KnownTool* known;
  const OfferedTool* offered;
};

std::optional<Choice> find_tool(ToolKind kind, const std::vector<OfferedTool>& offered) {
  for (const KnownTool& k : known_tools) {
    if (k.kind != kind) continue;
    for (const OfferedTool& o : offered) {
      if (o.name == k.name) return Choice{&k, &o};
    }
  }
  return std::nullopt;
}

// The schema's parameter among the candidates, else the known default.
template <std::size_t N>
std::string param_of(const Choice& c, const std::array<std::string_view, N>& candidates) {
  for (std::string_view p : candidates) {
    if (c.offered->has(p)) return std::string(p);
  }
  return std::string(c.known->main);
}

bool has_description(const Choice& c) {
  return c.offered->params.empty() ? c.known->description : c.offered->has("description");
}

// Required yes/no parameters we have no value for (Qwen Code's is_background): false.
void fill_required_flags(const OfferedTool& tool, Json& args) {
  for (const ToolParam& p : tool.params) {
    if (p.required && p.type == "boolean" && !args.contains(p.name)) args[p.name] = false;
  }
}

std::string short_description(std::string_view command) {
  const auto line = command.substr(0, command.find('\n'));
  return "Run " + std::string(line.substr(0, 60));
}

std::optional<wire::ToolCall> shell_call(const std::string& command, const std::vector<OfferedTool>& offered,
                                         std::string id) {
  const auto c = find_tool(ToolKind::shell, offered);
  if (!c) return std::nullopt;
  const std::string param = param_of(*c, command_params);
  const ToolParam* schema = c->offered->find(param);
  const bool argv = schema ? schema->type == "array" : c->known->argv;
  Json args = Json::object();
  args[param] = argv ? Json::array({"bash", "-lc", command}) : Json(command);
  if (has_description(*c)) args["description"] = short_description(command);
  fill_required_flags(*c->offered, args);
  return wire::ToolCall{std::move(id), c->offered->name, args.dump()};
}

// A relative path for a tool that wants an absolute one: joined to the agent's working
// directory when the prompt says it; nullopt when it does not.
std::optional<std::string> usable_path(const Choice& c, const std::string& path, const std::string& cwd) {
  if (path.starts_with('/') || !c.offered->absolute_path) return path;
  if (cwd.empty()) return std::nullopt;
  return cwd + (cwd.ends_with('/') ? "" : "/") + path;
}

std::string write_command(const ToolStep& step) {
  const auto slash = step.path.rfind('/');
  const std::string mkdir = slash == std::string::npos || slash == 0
                                ? ""
                                : "mkdir -p " + core::shell_quote(step.path.substr(0, slash)) + " && ";
  return heredoc_command(mkdir + "cat > " + core::shell_quote(step.path), step.content);
}

std::optional<wire::ToolCall> file_call(const ToolStep& step, const std::vector<OfferedTool>& offered,
                                        const std::string& cwd, std::string id) {
  const auto c = find_tool(step.kind, offered);
  const auto path = c ? usable_path(*c, step.path, cwd) : std::nullopt;
  if (!c || !path) {
    const std::string command = step.kind == ToolKind::write_file ? write_command(step) : "cat " + core::shell_quote(step.path);
    return shell_call(command, offered, std::move(id));
  }
  Json args = Json::object();
  args[param_of(*c, path_params)] = *path;
  if (step.kind == ToolKind::write_file) args["content"] = step.content;
  fill_required_flags(*c->offered, args);
  return wire::ToolCall{std::move(id), c->offered->name, args.dump()};
}

}  // namespace

std::optional<wire::ToolCall> translate(const ToolStep& step, const std::vector<OfferedTool>& offered,
                                        const std::string& cwd, std::string id) {
  if (step.kind == ToolKind::shell) return shell_call(step.command, offered, std::move(id));
  return file_call(step, offered, cwd, std::move(id));
}

}  // namespace agentrace::sim
