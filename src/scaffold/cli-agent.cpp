#include "scaffold/cli-agent.hpp"

#include <fstream>

#include <fmt/format.h>

#include "core/error.hpp"

namespace agentrace::scaffold {
namespace fs = std::filesystem;
namespace {

const char* const kSystemPath = "/usr/local/bin:/usr/bin:/bin";

std::string package_version(const fs::path& package_json) {
  std::ifstream in(package_json);
  if (!in) return "";
  const auto j = nlohmann::json::parse(in, nullptr, false);
  return j.is_object() ? j.value("version", "") : "";
}

}  // namespace

const std::vector<CliInfo>& cli_infos() {
  static const std::vector<CliInfo> infos = {
      {"claude-code", "@anthropic-ai/claude-code", "claude", "anthropic-messages"},
      {"opencode", "opencode-ai", "opencode", "openai-chat"},
      {"codex", "@openai/codex", "codex", "openai-responses"},
      {"qwen-code", "@qwen-code/qwen-code", "qwen", "openai-chat"},
  };
  return infos;
}

const CliInfo& cli_info(const std::string& scaffold) {
  for (const auto& c : cli_infos()) {
    if (c.scaffold == scaffold) return c;
  }
  throw std::logic_error("no agent CLI named " + scaffold);
}

Installed find_installed(const CliInfo& cli) {
  const auto modules = fs::absolute(agents_dir()) / "node_modules";
  Installed out;
  out.path = modules / ".bin" / cli.bin;
  out.version = package_version(modules / cli.package / "package.json");
  out.present = !out.version.empty() && fs::exists(out.path);
  return out;
}

void CliAgent::check(const ContenderConfig& c) const {
  const auto who = fmt::format("contender '{}' (scaffold '{}')", c.name, info_.scaffold);
  if (c.model.empty()) throw core::UsageError(fmt::format("{}: needs model = \"...\"", who));
  if (!c.endpoint)
    throw core::UsageError(fmt::format("{}: needs an endpoint ([contenders.endpoint] with url or sim)", who));
  if (!c.endpoint->protocol.empty() && c.endpoint->protocol != info_.protocol)
    throw core::UsageError(fmt::format("{}: {} speaks only protocol = \"{}\", not \"{}\"", who, info_.bin,
                                       info_.protocol, c.endpoint->protocol));
  if (!find_installed(info_).present)
    throw core::UsageError(fmt::format("{}: {} is not installed in {}; run scripts/setup-agents", who, info_.package,
                                       (fs::absolute(agents_dir()) / "node_modules").string()));
}

Launch CliAgent::prepare(const AttemptContext& ctx) {
  const sandbox::Spec sb{ctx.workspace, ctx.home, {}, {}, {}};
  const bool sandboxed = ctx.mode == sandbox::Mode::bwrap;
  const fs::path root = sandboxed ? fs::path(kAgentsMount) : fs::absolute(agents_dir());
  const AgentPaths paths{sandbox::home_path(sb, ctx.mode), sandbox::workspace_path(sb, ctx.mode),
                         root / "node_modules" / ".bin"};
  auto l = command(ctx, paths);
  l.env["PATH"] = fmt::format("{}:{}", paths.bin_dir.string(), kSystemPath);
  for (const auto& [k, v] : ctx.contender.env) l.env[k] = v;
  if (sandboxed) l.mounts.push_back({fs::absolute(agents_dir()), kAgentsMount, false});
  return l;
}

std::string CliAgent::version_or_installed(std::string printed) const {
  return printed.empty() ? find_installed(info_).version : printed;
}

}  // namespace agentrace::scaffold
