// The `builtin` scaffold: agentrace's own agent (`agentrace agent`, src/agent/), run in
// the sandbox from the bind-mounted agentrace binary against the attempt's proxy route.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/version.hpp"
#include "scaffold/cli-agent.hpp"

namespace agentrace::scaffold {
namespace {

constexpr const char* kMountedBinary = "/opt/agentrace/agentrace";
constexpr std::size_t kTranscriptCap = 64u << 20;

std::string protocol_of(const ContenderConfig& c) {
  return c.endpoint && !c.endpoint->protocol.empty() ? c.endpoint->protocol : "openai-chat";
}

class Builtin final : public Scaffold {
 public:
  std::string name() const override { return "builtin"; }

  std::string default_protocol() const override { return "openai-chat"; }

  void check(const ContenderConfig& c) const override {
    if (!c.endpoint)
      throw core::UsageError(fmt::format("contender '{}': scaffold 'builtin' needs an endpoint ([contenders.endpoint])",
                                         c.name));
    const auto p = protocol_of(c);
    if (p != "openai-chat" && p != "anthropic-messages")
      throw core::UsageError(fmt::format("contender '{}': scaffold 'builtin' speaks openai-chat or anthropic-messages, "
                                         "not '{}'", c.name, p));
    if (c.model.empty())
      throw core::UsageError(fmt::format("contender '{}': scaffold 'builtin' needs model = \"...\"", c.name));
  }

  Launch prepare(const AttemptContext& ctx) override {
    core::write_file(ctx.home / "prompt.md", ctx.task.statement);
    const sandbox::Spec sb{ctx.workspace, ctx.home, {}, {}, {}};
    const auto home = sandbox::home_path(sb, ctx.mode);
    const auto protocol = protocol_of(ctx.contender);
    const std::string exe = ctx.mode == sandbox::Mode::bwrap ? kMountedBinary : core::self_exe().string();
    const std::string base_url = protocol == "openai-chat" ? ctx.base_url + "/v1" : ctx.base_url;
    Launch l;
    l.argv = {exe, "agent", "--protocol", protocol, "--model", ctx.contender.model,
              "--prompt-file", (home / "prompt.md").string(), "--transcript", (home / "transcript.jsonl").string()};
    if (const auto turns = ctx.contender.max_turns) l.argv.insert(l.argv.end(), {"--max-steps", std::to_string(*turns)});
    l.env = ctx.contender.env;
    l.env["AGENTRACE_API_KEY"] = ctx.api_key;
    l.env["AGENTRACE_BASE_URL"] = base_url;  // a route is a secret: never in argv
    return l;
  }

  AgentReport parse_output(const AttemptContext& ctx, const proc::ProcResult&) override {
    keep_transcript(ctx);
    auto report = parse_builtin_output(read_output_lines(ctx.logs / "agent.stdout"));
    report.version = core::version();
    return report;
  }

 private:
  // HOME goes away with the attempt; the transcript stays with its logs. HOME is the
  // agent's: a link there must not copy a host file into the logs.
  static void keep_transcript(const AttemptContext& ctx) {
    std::string why;
    if (const auto text = core::read_untrusted(ctx.home, "transcript.jsonl", kTranscriptCap, why)) {
      core::write_file(ctx.logs / "transcript.jsonl", *text);
    } else if (!why.empty()) {
      core::write_file(ctx.logs / "transcript.refused", why + "\n");
    }
  }
};

}  // namespace

std::unique_ptr<Scaffold> make_builtin() { return std::make_unique<Builtin>(); }

}  // namespace agentrace::scaffold
