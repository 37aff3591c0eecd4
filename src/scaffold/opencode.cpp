// The `opencode` scaffold: `opencode run --format json` with an openai-compatible
// provider named "bench" in its own opencode.json (OPENCODE_CONFIG), every permission
// allowed and its downloads, plugins, sharing and auto-update switched off.
#include <fmt/format.h>

#include "core/fs.hpp"
#include "scaffold/cli-agent.hpp"

namespace agentrace::scaffold {
namespace {

constexpr const char* kProvider = "bench";

nlohmann::json config(const AttemptContext& ctx) {
  const auto& model = ctx.contender.model;
  const auto qualified = fmt::format("{}/{}", kProvider, model);
  nlohmann::json models;
  models[model] = {{"name", model}, {"tool_call", true}, {"limit", {{"context", 128000}, {"output", 4096}}}};
  nlohmann::json provider = {{"npm", "@ai-sdk/openai-compatible"},
                             {"name", kProvider},
                             {"options", {{"baseURL", ctx.base_url + "/v1"}, {"apiKey", ctx.api_key}}},
                             {"models", models}};
  nlohmann::json c = {
      {"$schema", "https://opencode.ai/config.json"},
      {"provider", {{kProvider, provider}}},
      {"model", qualified},
      {"small_model", qualified},
      {"permission", {{"edit", "allow"}, {"bash", "allow"}, {"webfetch", "allow"}, {"external_directory", "allow"}}},
      {"autoupdate", false},
      {"share", "disabled"}};
  if (const auto turns = ctx.contender.max_turns) c["agent"] = {{"build", {{"steps", *turns}}}};
  return c;
}

class Opencode final : public CliAgent {
 public:
  Opencode() : CliAgent(cli_info("opencode")) {}

  AgentReport parse_output(const AttemptContext& ctx, const proc::ProcResult&) override {
    auto r = parse_opencode_output(read_output_lines(ctx.logs / "agent.stdout"));
    r.version = version_or_installed("");
    return r;
  }

 protected:
  Launch command(const AttemptContext& ctx, const AgentPaths& p) const override {
    const auto rel = std::filesystem::path(".config") / "opencode" / "opencode.json";
    core::write_file(ctx.home / rel, config(ctx).dump(2) + "\n");
    Launch l;
    l.argv = {(p.bin_dir / info().bin).string(), "run", "--title", ctx.task.id, "--format", "json",
              ctx.task.statement};
    l.env = {{"OPENCODE_CONFIG", (p.home / rel).string()},
             {"OPENCODE_DISABLE_MODELS_FETCH", "1"},  // else ~3 s trying to download a model list
             {"OPENCODE_DISABLE_AUTOUPDATE", "1"},
             {"OPENCODE_DISABLE_DEFAULT_PLUGINS", "1"},
             {"OPENCODE_DISABLE_LSP_DOWNLOAD", "1"},
             {"OPENCODE_DISABLE_SHARE", "1"}};
    return l;
  }
};

}  // namespace

std::unique_ptr<Scaffold> make_opencode() { return std::make_unique<Opencode>(); }

}  // namespace agentrace::scaffold
