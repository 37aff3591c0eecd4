// The `claude-code` scaffold: Claude Code in print mode with stream-json output,
// configured through its environment alone (it appends /v1/messages to the base URL).
#include "scaffold/cli-agent.hpp"

namespace agentrace::scaffold {
namespace {

constexpr const char* kMaxRetries = "2";

class ClaudeCode final : public CliAgent {
 public:
  ClaudeCode() : CliAgent(cli_info("claude-code")) {}

  AgentReport parse_output(const AttemptContext& ctx, const proc::ProcResult&) override {
    auto r = parse_stream_json(read_output_lines(ctx.logs / "agent.stdout"), true);
    r.version = version_or_installed(r.version);
    return r;
  }

 protected:
  Launch command(const AttemptContext& ctx, const AgentPaths& p) const override {
    Launch l;
    l.argv = {(p.bin_dir / info().bin).string(), "-p", ctx.task.statement, "--output-format", "stream-json",
              "--verbose", "--dangerously-skip-permissions"};
    if (const auto turns = ctx.contender.max_turns) l.argv.insert(l.argv.end(), {"--max-turns", std::to_string(*turns)});
    const auto& model = ctx.contender.model;
    l.env = {{"ANTHROPIC_BASE_URL", ctx.base_url},
             {"ANTHROPIC_API_KEY", ctx.api_key},
             {"ANTHROPIC_MODEL", model},
             {"ANTHROPIC_DEFAULT_HAIKU_MODEL", model},  // its background calls use the same model
             {"ANTHROPIC_SMALL_FAST_MODEL", model},
             {"CLAUDE_CODE_MAX_RETRIES", kMaxRetries},
             {"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1"},  // no look-ups, no title call
             {"DISABLE_AUTOUPDATER", "1"},
             {"IS_SANDBOX", "1"}};  // lets --dangerously-skip-permissions run as root
    return l;
  }
};

}  // namespace

std::unique_ptr<Scaffold> make_claude_code() { return std::make_unique<ClaudeCode>(); }

}  // namespace agentrace::scaffold
