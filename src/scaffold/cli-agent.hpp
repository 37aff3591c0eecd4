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

// One JSON line of the agent's stdout and when it arrived (core::mono_ns), when known.
struct OutputLine {
  nlohmann::json json;
  std::optional<std::int64_t> arrived_ns;
};
// The JSON objects among the lines of the agent's stdout (other lines are skipped), with
// arrival times from "<file>.times" when the attempt wrote one (proc::SpawnSpec).
std::vector<OutputLine> read_output_lines(const std::filesystem::path& file);
// Calls fn on each line; a line whose fields have unexpected types is skipped.
void each_line(const std::vector<OutputLine>& lines, const std::function<void(const OutputLine&)>& fn);

// Tool runs keyed by the agent's call id, kept in the order they started.
class ToolLog {
 public:
  void start(const std::string& id, std::string name, std::optional<std::int64_t> at_ns);
  void end(const std::string& id, std::optional<std::int64_t> at_ns, bool error,
           std::optional<int> exit_code = std::nullopt);
  bool is_open(const std::string& id) const { return open_.count(id) > 0; }
  int count() const { return static_cast<int>(runs_.size()); }
  std::vector<ToolRun> take() { return std::move(runs_); }

 private:
  struct Open {
    std::size_t index;
    std::optional<std::int64_t> start_ns;
  };
  std::vector<ToolRun> runs_;
  std::map<std::string, Open> open_;
};

// Converts a wall-clock time in Unix ms into core::mono_ns(), by the offset of the two
// clocks now (the agent's own timestamps are wall-clock). A time from before the
// machine booted maps to a negative value, which is still a time.
class WallToMono {
 public:
  WallToMono();
  // The clocks as read at one instant (tests fake a machine booted a minute ago).
  WallToMono(std::int64_t mono_now_ns, std::int64_t wall_now_ms);
  std::int64_t operator()(double wall_ms) const;

 private:
  std::int64_t mono_now_ns_, wall_now_ms_;
};

// Claude Code and Qwen Code share one stream-json format. cache_apart: input_tokens
// excludes the cached prompt tokens, which are added (Claude Code).
AgentReport parse_stream_json(const std::vector<OutputLine>& lines, bool cache_apart,
                              const WallToMono& to_mono = WallToMono());

// "2026-11-30T08:17:37.171Z" -> Unix ms; nullopt unless UTC RFC 3339.
std::optional<double> rfc3339_ms(const std::string& text);


std::unique_ptr<Scaffold> make_claude_code();
std::unique_ptr<Scaffold> make_opencode();
std::unique_ptr<Scaffold> make_codex();
std::unique_ptr<Scaffold> make_qwen_code();

}  // namespace agentrace::scaffold
