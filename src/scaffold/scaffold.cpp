#include "scaffold/scaffold.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "scaffold/cli-agent.hpp"
#include "workspace/workspace.hpp"

namespace agentrace::scaffold {
namespace {

// Applies the shipped fix: the reference for "Complete" and for the grader itself.
class Oracle final : public Scaffold {
 public:
  std::string name() const override { return "oracle"; }
  Launch prepare(const AttemptContext& ctx) override {
    workspace::apply_patch(ctx.workspace, ctx.task.fix_patch);
    return {};
  }
};

// Changes nothing; runs `true` in the sandbox so its time is the sandbox's floor.
class Nop final : public Scaffold {
 public:
  std::string name() const override { return "nop"; }
  Launch prepare(const AttemptContext&) override { return {{"true"}, {}, {}}; }
};

// Runs any configured command line in the sandbox: the way to plug in an agent that
// has no adapter yet. Placeholders: {prompt} (the statement), {prompt_file} (its path
// in HOME), {workspace}, {task_id}, {model}. The base URL is only in the environment:
// with --sandbox none it holds the route's secret, and argv is readable by anyone.
class Command final : public Scaffold {
 public:
  std::string name() const override { return "command"; }
  void check(const ContenderConfig& c) const override {
    if (c.command.empty())
      throw core::UsageError(fmt::format("contender '{}': scaffold 'command' needs command = [\"prog\", \"arg\", ...]",
                                         c.name));
    for (const auto& arg : c.command) {
      if (arg.find("{base_url}") != std::string::npos)
        throw core::UsageError(fmt::format("contender '{}': {{base_url}} in command would put the attempt's route, a "
                                           "secret, in argv (readable by any local process); use the environment "
                                           "variable instead, e.g. [\"sh\", \"-c\", \"curl $AGENTRACE_BASE_URL/v1/models\"]",
                                           c.name));
    }
  }
  Launch prepare(const AttemptContext& ctx) override {
    core::write_file(ctx.home / "prompt.md", ctx.task.statement);
    sandbox::Spec sb{ctx.workspace, ctx.home, {}, {}, {}};
    const auto home = sandbox::home_path(sb, ctx.mode);
    const auto ws = sandbox::workspace_path(sb, ctx.mode);
    Launch l;
    for (auto arg : ctx.contender.command) {
      replace(arg, "{prompt_file}", (home / "prompt.md").string());
      replace(arg, "{prompt}", ctx.task.statement);
      replace(arg, "{workspace}", ws.string());
      replace(arg, "{task_id}", ctx.task.id);
      replace(arg, "{model}", ctx.contender.model);
      l.argv.push_back(arg);
    }
    l.env = ctx.contender.env;
    l.env["AGENTRACE_PROMPT_FILE"] = (home / "prompt.md").string();
    l.env["AGENTRACE_TASK_ID"] = ctx.task.id;
    if (!ctx.base_url.empty()) {
      l.env["AGENTRACE_BASE_URL"] = ctx.base_url;
      l.env["AGENTRACE_API_KEY"] = ctx.api_key;
    }
    return l;
  }

 private:
  static void replace(std::string& s, const std::string& from, const std::string& to) {
    for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
      s.replace(pos, from.size(), to);
    }
  }
};

}  // namespace

void Scaffold::check(const ContenderConfig&) const {}

std::filesystem::path agents_dir() {
  if (const char* d = std::getenv("AGENTRACE_AGENTS_DIR"); d != nullptr && *d != '\0') return d;
  return std::filesystem::path(AGENTRACE_SOURCE_DIR) / "agents";
}

AgentReport Scaffold::parse_output(const AttemptContext&, const proc::ProcResult&) { return {}; }

std::unique_ptr<Scaffold> make_builtin();  // builtin.cpp

std::unique_ptr<Scaffold> make(const std::string& name) {
  if (name == "oracle") return std::make_unique<Oracle>();
  if (name == "nop") return std::make_unique<Nop>();
  if (name == "command") return std::make_unique<Command>();
  if (name == "builtin") return make_builtin();
  if (name == "claude-code") return make_claude_code();
  if (name == "opencode") return make_opencode();
  if (name == "codex") return make_codex();
  if (name == "qwen-code") return make_qwen_code();
  throw core::UsageError(fmt::format("unknown scaffold '{}'; known: {}", name, fmt::join(known_scaffolds(), ", ")));
}

}  // namespace agentrace::scaffold
