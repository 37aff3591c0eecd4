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

class Codex final : public CliAgent {
 public:
  Codex() : CliAgent(cli_info("codex")) {}

  AgentReport parse_output(const AttemptContext& ctx, const proc::ProcResult&) override {
    auto r = parse_codex_output(read_output_lines(ctx.logs / "agent.stdout"));
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
