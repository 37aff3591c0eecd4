// The `codex` scaffold: `codex exec --json` against a Responses API provider named
// "bench" in $CODEX_HOME/config.toml (inside the writable HOME: Codex writes there),
// with analytics, telemetry export, plugins, web search and update checks off.
#include <fmt/format.h>

#include "core/fs.hpp"
#include "scaffold/cli-agent.hpp"

namespace agentrace::scaffold {
namespace {

constexpr const char* kKeyEnv = "AGENTRACE_API_KEY";

// TOML basic string: quotes and backslashes escaped (model names and URLs are plain).
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string config(const AttemptContext& ctx) {
  return fmt::format(
      "model = {}\n"
      "model_provider = \"bench\"\n"
      "approval_policy = \"never\"\n"
      "sandbox_mode = \"danger-full-access\"\n"
      "check_for_update_on_startup = false\n"
      "web_search = \"disabled\"\n"
      "\n[model_providers.bench]\n"
      "name = \"bench\"\n"
      "base_url = {}\n"
      "env_key = \"{}\"\n"
      "wire_api = \"responses\"\n"
      "request_max_retries = 2\n"
      "stream_max_retries = 2\n"
      "\n[analytics]\nenabled = false\n"
      "\n[otel]\nexporter = \"none\"\nmetrics_exporter = \"none\"\ntrace_exporter = \"none\"\n"
      "\n[features]\nplugins = false\nremote_plugin = false\napps = false\n",
      quoted(ctx.contender.model), quoted(ctx.base_url + "/v1"), kKeyEnv);
}

bool is_tool(const std::string& item_type) {
  return item_type == "command_execution" || item_type == "file_change" || item_type == "mcp_tool_call" ||
         item_type == "web_search";
}

// The name a tool item gets: the MCP tool's own name, else the item type.
std::string tool_name(const nlohmann::json& item) {
  const auto type = item.value("type", "");
  return type == "mcp_tool_call" ? item.value("tool", type) : type;
}

// thread.started, turn.started, item.* and turn.completed / turn.failed lines. Codex
// writes no times: a tool runs from its item.started line to its item.completed line, as
// they arrived (items without a started line are untimed).
AgentReport tally(const std::vector<OutputLine>& lines) {
  AgentReport r;
  ToolLog tools;
  long input = 0, output = 0;
  bool completed = false, timed = false;
  each_line(lines, [&](const OutputLine& line) {
    const auto& j = line.json;
    const auto type = j.value("type", "");
    const auto item = j.value("item", nlohmann::json::object());
    if ((type == "item.started" || type == "item.completed") && is_tool(item.value("type", ""))) {
      const auto id = item.value("id", "");
      if (type == "item.started") {
        tools.start(id, tool_name(item), line.arrived_ns);
        timed = timed || line.arrived_ns.has_value();
        return;
      }
      if (!tools.is_open(id)) tools.start(id, tool_name(item), std::nullopt);
      const auto exit = item.find("exit_code");
      tools.end(id, line.arrived_ns, item.value("status", "") == "failed",
                exit != item.end() && exit->is_number_integer() ? std::optional<int>(exit->get<int>()) : std::nullopt);
    } else if (type == "turn.completed") {
      completed = true;
      const auto usage = j.value("usage", nlohmann::json::object());
      input += usage.value("input_tokens", 0L);
      output += usage.value("output_tokens", 0L);
    } else if (type == "turn.failed") {
      r.reported_error = true;
      r.error_message = j.value(nlohmann::json::json_pointer("/error/message"), std::string("turn failed"));
    } else if (type == "error" && r.error_message.empty()) {
      r.error_message = j.value("message", "");
    }
  });
  r.tool_calls = tools.count();
  r.tools = tools.take();
  if (timed) r.tool_times = "output lines";
  r.input_tokens = input;
  r.output_tokens = output;
  r.stop_reason = r.reported_error ? "turn.failed" : completed ? "turn.completed" : "";
  if (!completed) {
    r.reported_error = true;
    if (r.error_message.empty()) r.error_message = "the agent completed no turn";
  } else if (!r.reported_error) {
    r.error_message.clear();  // retry notices of a turn that went on to complete
  }
  return r;
}

class Codex final : public CliAgent {
 public:
  Codex() : CliAgent(cli_info("codex")) {}

  AgentReport parse_output(const AttemptContext& ctx, const proc::ProcResult&) override {
    auto r = tally(read_output_lines(ctx.logs / "agent.stdout"));
    r.version = version_or_installed("");
    return r;
  }

 protected:
  Launch command(const AttemptContext& ctx, const AgentPaths& p) const override {
    core::write_file(ctx.home / ".codex" / "config.toml", config(ctx));
    Launch l;
    l.argv = {(p.bin_dir / info().bin).string(), "exec", "--json", "--skip-git-repo-check", ctx.task.statement};
    l.env = {{"CODEX_HOME", (p.home / ".codex").string()}, {kKeyEnv, ctx.api_key}};
    return l;
  }
};

}  // namespace

std::unique_ptr<Scaffold> make_codex() { return std::make_unique<Codex>(); }

}  // namespace agentrace::scaffold
