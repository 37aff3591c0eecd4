#include "scaffold/cli-agent.hpp"

#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "core/clock.hpp"
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

// Claude Code counts cache reads and writes apart from input_tokens (the prompt is all
// three); Qwen Code's input_tokens already holds its cached part.
long prompt_tokens(const nlohmann::json& usage, bool cache_apart) {
  const long cached = usage.value("cache_read_input_tokens", 0L) + usage.value("cache_creation_input_tokens", 0L);
  return usage.value("input_tokens", 0L) + (cache_apart ? cached : 0L);
}

void read_result(const nlohmann::json& j, bool cache_apart, AgentReport& r) {
  if (j.contains("num_turns")) r.turns = j.value("num_turns", 0);
  if (j.contains("duration_ms")) r.own_duration_s = j.value("duration_ms", 0.0) / 1000.0;
  if (const auto u = j.find("usage"); u != j.end() && u->is_object()) {
    r.input_tokens = prompt_tokens(*u, cache_apart);
    r.output_tokens = u->value("output_tokens", 0L);
  }
  const auto subtype = j.value("subtype", "");
  const auto stop = j.find("stop_reason");
  const bool stop_given = stop != j.end() && stop->is_string();
  r.stop_reason = (subtype == "success" || subtype.empty()) && stop_given ? stop->get<std::string>() : subtype;
  r.reported_error = j.value("is_error", false);
  if (r.reported_error) {
    const auto text = j.value("result", "");
    r.error_message = text.empty() ? fmt::format("the agent ended with {}", j.value("subtype", "an error")) : text;
  }
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

namespace {

// "<kept bytes so far> <mono ns>" per read (proc::SpawnSpec::stdout_times_path).
std::vector<std::pair<std::size_t, std::int64_t>> read_times(const fs::path& file) {
  std::vector<std::pair<std::size_t, std::int64_t>> out;
  std::ifstream in(file);
  std::size_t bytes = 0;
  std::int64_t ns = 0;
  while (in >> bytes >> ns) out.emplace_back(bytes, ns);
  return out;
}

}  // namespace

std::vector<OutputLine> read_output_lines(const fs::path& file) {
  const auto times = read_times(fs::path(file.string() + ".times"));
  std::vector<OutputLine> out;
  std::ifstream in(file);
  std::size_t end = 0;  // bytes up to and including this line's newline
  auto read = times.begin();
  for (std::string line; std::getline(in, line);) {
    end += line.size() + 1;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object()) continue;
    while (read != times.end() && read->first < end - 1) ++read;  // the read that brought its last byte
    out.push_back({std::move(j), read != times.end() ? std::optional<std::int64_t>(read->second) : std::nullopt});
  }
  return out;
}

void each_line(const std::vector<OutputLine>& lines, const std::function<void(const OutputLine&)>& fn) {
  for (const auto& line : lines) {
    try {
      fn(line);
    } catch (const nlohmann::json::exception&) {
      // a field of another type than documented: the line says nothing we can use
    }
  }
}

void ToolLog::start(const std::string& id, std::string name, std::optional<std::int64_t> at_ns) {
  open_[id] = {runs_.size(), at_ns};
  runs_.push_back({std::move(name), std::nullopt, std::nullopt, false});
}

void ToolLog::end(const std::string& id, std::optional<std::int64_t> at_ns, bool error,
                  std::optional<int> exit_code) {
  const auto it = open_.find(id);
  if (it == open_.end()) return;
  auto& run = runs_[it->second.index];
  if (it->second.start_ns && at_ns) run.span = Span{*it->second.start_ns, *at_ns};
  run.error = error;
  run.exit_code = exit_code;
  open_.erase(it);
}

std::optional<double> rfc3339_ms(const std::string& text) {
  std::tm tm{};
  double seconds = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%lfZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &seconds) != 6 || text.back() != 'Z')
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<double>(timegm(&tm)) * 1000.0 + seconds * 1000.0;
}

namespace {

// Tool runs from stream-json: an assistant line's tool_use block to the user line holding
// its tool_result. Times from the lines' own timestamps (Claude Code writes them), else
// from when the lines arrived (Qwen Code writes none).
class StreamTools {
 public:
  explicit StreamTools(const WallToMono& to_mono) : to_mono_(to_mono) {}
  void add(const OutputLine& line, const std::string& type) {
    const auto& j = line.json;
    const auto at = when(j, line.arrived_ns);
    for (const auto& part : j.value(nlohmann::json::json_pointer("/message/content"), nlohmann::json::array())) {
      if (!part.is_object()) continue;
      if (type == "assistant" && part.value("type", "") == "tool_use")
        log_.start(part.value("id", ""), part.value("name", ""), at);
      if (type == "user" && part.value("type", "") == "tool_result")
        log_.end(part.value("tool_use_id", ""), at, part.value("is_error", false));
    }
  }
  int count() const { return log_.count(); }
  std::vector<ToolRun> take() { return log_.take(); }
  std::string source() const { return stamped_ ? "agent" : arrived_ ? "output lines" : ""; }

 private:
  std::optional<std::int64_t> when(const nlohmann::json& j, std::optional<std::int64_t> arrived_ns) {
    if (const auto at = rfc3339_ms(j.value("timestamp", ""))) {
      stamped_ = true;
      return to_mono_(*at);
    }
    arrived_ = arrived_ || arrived_ns.has_value();
    return arrived_ns;
  }
  const WallToMono& to_mono_;
  ToolLog log_;
  bool stamped_ = false, arrived_ = false;
};

}  // namespace

AgentReport parse_stream_json(const std::vector<OutputLine>& lines, bool cache_apart, const WallToMono& to_mono) {
  AgentReport r;
  StreamTools tools(to_mono);
  bool ended = false;
  each_line(lines, [&](const OutputLine& line) {
    const auto& j = line.json;
    const auto type = j.value("type", "");
    tools.add(line, type);
    if (type == "system" && j.value("subtype", "") == "init") {
      for (const char* key : {"claude_code_version", "qwen_code_version"}) {
        if (j.contains(key) && j[key].is_string()) r.version = j[key].get<std::string>();
      }
    } else if (type == "result") {
      ended = true;
      read_result(j, cache_apart, r);
    }
  });
  r.tool_calls = tools.count();
  r.tool_times = tools.source();
  r.tools = tools.take();
  if (!ended) {
    r.reported_error = true;
    r.error_message = "the agent wrote no result line";
  }
  return r;
}

WallToMono::WallToMono() : WallToMono(core::mono_ns(), core::wall_now_ms()) {}

WallToMono::WallToMono(std::int64_t mono_now_ns, std::int64_t wall_now_ms)
    : mono_now_ns_(mono_now_ns), wall_now_ms_(wall_now_ms) {}

// The difference is taken in ms first: Unix time in ns (~1.8e18) is past a double's
// 53-bit mantissa and would round every span by a few hundred ns.
std::int64_t WallToMono::operator()(double wall_ms) const {
  return mono_now_ns_ + std::llround((wall_ms - static_cast<double>(wall_now_ms_)) * 1e6);
}

}  // namespace agentrace::scaffold
