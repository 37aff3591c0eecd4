#pragma once
// The parsers of what an agent wrote on stdout: JSON lines in each CLI's format, and the
// built-in agent's. They take bytes and build an AgentReport, with no I/O but the file
// reads of read_output_lines(), so that the fuzz targets (tests/fuzz) build them alone.
// Everything here is hostile input: an agent's tools can write into its CLI's stdout.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "scaffold/scaffold.hpp"

namespace agentrace::scaffold {

// One JSON line of the agent's stdout and when it arrived (core::mono_ns), when known.
struct OutputLine {
  nlohmann::json json;
  std::optional<std::int64_t> arrived_ns;
};
// "<kept bytes so far> <mono ns>" per read of the agent's stdout (proc::SpawnSpec).
using ReadTimes = std::vector<std::pair<std::size_t, std::int64_t>>;

// The JSON objects among the lines of `out` (other lines are skipped), each with the
// time of the read that brought its last byte.
std::vector<OutputLine> parse_output_lines(std::string_view out, const ReadTimes& times);
// The same from the agent's stdout file, with arrival times from "<file>.times" when the
// attempt wrote one.
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

// Qwen Code's stream-json, whose API errors are only in the result text.
AgentReport parse_qwen_code_output(const std::vector<OutputLine>& lines);
// opencode's `run --format json` events.
AgentReport parse_opencode_output(const std::vector<OutputLine>& lines);
// Codex's `exec --json` lines.
AgentReport parse_codex_output(const std::vector<OutputLine>& lines);
// The built-in agent's call, tool and result lines (src/agent/).
AgentReport parse_builtin_output(const std::vector<OutputLine>& lines);

}  // namespace agentrace::scaffold
