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

long prompt_tokens(const nlohmann::json& tokens) {
  const auto cache = tokens.value("cache", nlohmann::json::object());
  return tokens.value("input", 0L) + cache.value("read", 0L) + cache.value("write", 0L);
}

// One JSON line per event; tool_use parts carry wall-clock start/end in ms.
class Tally {
 public:
  void add(const OutputLine& line) {
    const auto& j = line.json;
    const auto type = j.value("type", "");
    const auto part = j.value("part", nlohmann::json::object());
    if (type == "step_finish") {
      ++turns_;
      r_.stop_reason = part.value("reason", "");
      const auto tokens = part.value("tokens", nlohmann::json::object());
      input_ += prompt_tokens(tokens);
      output_ += tokens.value("output", 0L) + tokens.value("reasoning", 0L);
    } else if (type == "tool_use") {
      tool(part);
    } else if (type == "error") {
      error(j.value("error", nlohmann::json::object()));
    }
  }
  AgentReport finish() {
    r_.turns = turns_;
    r_.tool_calls = tools_;
    r_.input_tokens = input_;
    r_.output_tokens = output_;
    return std::move(r_);
  }

 private:
  void tool(const nlohmann::json& part) {
    ++tools_;
    const auto state = part.value("state", nlohmann::json::object());
    const auto time = state.value("time", nlohmann::json::object());
    ToolRun run{part.value("tool", ""), std::nullopt, std::nullopt, state.value("status", "") == "error"};
    if (time.contains("start") && time.contains("end")) {
      run.span = Span{to_mono_(time.value("start", 0.0)), to_mono_(time.value("end", 0.0))};
      r_.tool_times = "agent";
    }
    if (const auto exit = state.find("metadata"); exit != state.end() && exit->is_object() && exit->contains("exit") &&
                                                  (*exit)["exit"].is_number_integer())
      run.exit_code = (*exit)["exit"].get<int>();
    r_.tools.push_back(std::move(run));
  }
  void error(const nlohmann::json& e) {
    r_.reported_error = true;
    const auto message = e.value(nlohmann::json::json_pointer("/data/message"), std::string());
    r_.error_message = message.empty() ? e.value("name", std::string("error")) : message;
  }

  AgentReport r_;
  WallToMono to_mono_;
  int turns_ = 0, tools_ = 0;
  long input_ = 0, output_ = 0;
};

class Opencode final : public CliAgent {
 public:
  Opencode() : CliAgent(cli_info("opencode")) {}

  AgentReport parse_output(const AttemptContext& ctx, const proc::ProcResult&) override {
    Tally tally;
    each_line(read_output_lines(ctx.logs / "agent.stdout"), [&](const OutputLine& line) { tally.add(line); });
    auto r = tally.finish();
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
