// The `qwen-code` scaffold: Qwen Code in yolo mode with stream-json output, an OpenAI
// compatible endpoint from its environment and ~/.qwen/settings.json with telemetry,
// usage statistics and auto-update off. On API errors it exits 0 with is_error false:
// the failure is only in the result text, as "[API Error: ...]".
#include <fmt/format.h>

#include "core/fs.hpp"
#include "scaffold/cli-agent.hpp"

namespace agentrace::scaffold {
namespace {

constexpr int kMaxRetries = 0;  // its own loop still makes 7 attempts (no knob)

nlohmann::json settings(const std::string& model) {
  return {{"privacy", {{"usageStatisticsEnabled", false}}},
          {"general", {{"enableAutoUpdate", false}}},
          {"telemetry", {{"enabled", false}}},
          {"security", {{"auth", {{"selectedType", "openai"}}}}},
          {"model", {{"name", model}, {"generationConfig", {{"maxRetries", kMaxRetries}}}}}};
}

class QwenCode final : public CliAgent {
 public:
  QwenCode() : CliAgent(cli_info("qwen-code")) {}

  AgentReport parse_output(const AttemptContext& ctx, const proc::ProcResult&) override {
    auto r = parse_qwen_code_output(read_output_lines(ctx.logs / "agent.stdout"));
    r.version = version_or_installed(r.version);
    return r;
  }

 protected:
  Launch command(const AttemptContext& ctx, const AgentPaths& p) const override {
    core::write_file(ctx.home / ".qwen" / "settings.json", settings(ctx.contender.model).dump(2) + "\n");
    Launch l;
    l.argv = {(p.bin_dir / info().bin).string(), "--output-format", "stream-json", "--yolo"};
    if (const auto turns = ctx.contender.max_turns) l.argv.insert(l.argv.end(), {"--max-session-turns", std::to_string(*turns)});
    l.argv.push_back(ctx.task.statement);
    l.env = {{"OPENAI_BASE_URL", ctx.base_url + "/v1"},
             {"OPENAI_API_KEY", ctx.api_key},
             {"OPENAI_MODEL", ctx.contender.model}};
    return l;
  }
};

}  // namespace

std::unique_ptr<Scaffold> make_qwen_code() { return std::make_unique<QwenCode>(); }

}  // namespace agentrace::scaffold
