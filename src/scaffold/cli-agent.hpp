#pragma once
// What the adapters of the real agent CLIs (claude-code, opencode, codex, qwen-code)
// share. scripts/setup-agents installs the CLIs, pinned, under agents_dir(); an attempt
// binds that folder read-only at /opt/agents, puts its node_modules/.bin first on PATH,
// writes a fresh config into the attempt's HOME and points the CLI at the attempt's
// proxy route. Facts behind every switch: ../shared/notes/agent-clis.md.
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scaffold/agent-output.hpp"
#include "scaffold/scaffold.hpp"

namespace agentrace::scaffold {

inline constexpr const char* kAgentsMount = "/opt/agents";

struct CliInfo {
  std::string scaffold;  // scaffold name: claude-code
  std::string package;   // npm package: @anthropic-ai/claude-code
  std::string bin;       // command in node_modules/.bin: claude
  std::string protocol;  // the model protocol it speaks: anthropic-messages
};

// The four CLIs, in the order `agentrace agents` lists them.
const std::vector<CliInfo>& cli_infos();
const CliInfo& cli_info(const std::string& scaffold);  // one of the four

struct Installed {
  bool present = false;
  std::string version;         // node_modules/<package>/package.json "version"
  std::filesystem::path path;  // node_modules/.bin/<bin> on the host
};
Installed find_installed(const CliInfo& cli);

// Paths as the agent sees them: inside the sandbox, or the host's with --sandbox none.
struct AgentPaths {
  std::filesystem::path home;
  std::filesystem::path workspace;
  std::filesystem::path bin_dir;  // the agents' node_modules/.bin
};

class CliAgent : public Scaffold {
 public:
  explicit CliAgent(CliInfo info) : info_(std::move(info)) {}
  std::string name() const override { return info_.scaffold; }
  std::string default_protocol() const override { return info_.protocol; }
  // The CLI is installed; the contender has a model and an endpoint the CLI can speak to.
  void check(const ContenderConfig& c) const override;
  // Mount, PATH and the contender's own env around the CLI's command().
  Launch prepare(const AttemptContext& ctx) override;

 protected:
  // Writes the CLI's config under ctx.home; returns its argv and env.
  virtual Launch command(const AttemptContext& ctx, const AgentPaths& paths) const = 0;
  const CliInfo& info() const { return info_; }
  // The version the report shows: what the CLI printed, else its installed package's.
  std::string version_or_installed(std::string printed) const;

 private:
  CliInfo info_;
};

std::unique_ptr<Scaffold> make_claude_code();
std::unique_ptr<Scaffold> make_opencode();
std::unique_ptr<Scaffold> make_codex();
std::unique_ptr<Scaffold> make_qwen_code();

}  // namespace agentrace::scaffold
