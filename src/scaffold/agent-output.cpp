#include "scaffold/agent-output.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <limits>
#include <sstream>

#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/json-depth.hpp"

namespace agentrace::scaffold {
namespace fs = std::filesystem;
namespace {

// "<kept bytes so far> <mono ns>" per read (proc::SpawnSpec::stdout_times_path).
ReadTimes read_times(const fs::path& file) {
  ReadTimes out;
  std::ifstream in(file);
  std::size_t bytes = 0;
  std::int64_t ns = 0;
  while (in >> bytes >> ns) out.emplace_back(bytes, ns);
  return out;
}

// Deeper than any agent's real output; see core/json-depth.hpp.
constexpr int kMaxDepth = 64;

// Whether a JSON number converts to T: nlohmann's cast of one out of T's range is undefined.
template <class T>
bool fits(const nlohmann::json& n) {
  if (n.is_number_float()) {
    const double limit = std::ldexp(1.0, std::numeric_limits<T>::digits);
    return n.get<double>() >= -limit && n.get<double>() < limit;  // false for NaN
  }
  if (n.is_number_unsigned()) return n.get<std::uint64_t>() <= std::uint64_t{std::numeric_limits<T>::max()};
  const auto v = n.get<std::int64_t>();
  return v >= std::numeric_limits<T>::min() && v <= std::numeric_limits<T>::max();
}

// j.value(key, fallback) for an integer field; a number T cannot hold counts as absent.
template <class T>
T integer_or(const nlohmann::json& j, const char* key, T fallback) {
  const auto it = j.is_object() ? j.find(key) : j.end();
  if (it != j.end() && it->is_number() && !fits<T>(*it)) return fallback;
  return j.value(key, fallback);
}

// An exit code: j[key] when it is an integer an int holds.
std::optional<int> exit_code(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer() || !fits<int>(*it)) return std::nullopt;
  return it->get<int>();
}

// Token counts add up to at most LONG_MAX.
long add_counts(long a, long b) {
  long sum = 0;
  return __builtin_add_overflow(a, b, &sum) ? (b > 0 ? LONG_MAX : LONG_MIN) : sum;
}

std::string read_or_empty(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return "";
  std::ostringstream all;
  all << in.rdbuf();
  return all.str();
}

}  // namespace

std::vector<OutputLine> parse_output_lines(std::string_view out, const ReadTimes& times) {
  std::vector<OutputLine> lines;
  auto read = times.begin();
  for (std::size_t begin = 0; begin < out.size();) {
    const auto newline = out.find('\n', begin);
    const auto line = out.substr(begin, newline == std::string_view::npos ? std::string_view::npos : newline - begin);
    begin += line.size() + 1;  // bytes up to and including this line's newline
    if (!core::json_nesting_within(line, kMaxDepth)) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object()) continue;
    while (read != times.end() && read->first < begin - 1) ++read;  // the read that brought its last byte
    lines.push_back({std::move(j), read != times.end() ? std::optional<std::int64_t>(read->second) : std::nullopt});
  }
  return lines;
}

std::vector<OutputLine> read_output_lines(const fs::path& file) {
  return parse_output_lines(read_or_empty(file), read_times(fs::path(file.string() + ".times")));
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
                  &tm.tm_min, &seconds) != 6 || text.back() != 'Z' || !std::isfinite(seconds))
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<double>(timegm(&tm)) * 1000.0 + seconds * 1000.0;
}

namespace {

// Claude Code counts cache reads and writes apart from input_tokens (the prompt is all
// three); Qwen Code's input_tokens already holds its cached part.
long stream_prompt_tokens(const nlohmann::json& usage, bool cache_apart) {
  const long cached =
      add_counts(integer_or(usage, "cache_read_input_tokens", 0L), integer_or(usage, "cache_creation_input_tokens", 0L));
  return add_counts(integer_or(usage, "input_tokens", 0L), cache_apart ? cached : 0L);
}

void read_result(const nlohmann::json& j, bool cache_apart, AgentReport& r) {
  if (j.contains("num_turns")) r.turns = integer_or(j, "num_turns", 0);
  if (j.contains("duration_ms")) r.own_duration_s = j.value("duration_ms", 0.0) / 1000.0;
  if (const auto u = j.find("usage"); u != j.end() && u->is_object()) {
    r.input_tokens = stream_prompt_tokens(*u, cache_apart);
    r.output_tokens = integer_or(*u, "output_tokens", 0L);
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
// 53-bit mantissa and would round every span by a few hundred ns. The agent may write any
// time: one more than a century away (or not a number) is taken as a century away, so
// that a span of two such times stays far inside 64 bits (llround of 1e300 has no answer;
// x86 gives LLONG_MIN, which made Span::ns() overflow).
std::int64_t WallToMono::operator()(double wall_ms) const {
  constexpr double kCenturyMs = 100 * 365.25 * 86'400'000;
  const double ms = wall_ms - static_cast<double>(wall_now_ms_);
  return mono_now_ns_ + std::llround((std::isnan(ms) ? kCenturyMs : std::clamp(ms, -kCenturyMs, kCenturyMs)) * 1e6);
}

namespace {

constexpr const char* kApiErrorMark = "[API Error";

// The "[API Error: ...]" part of the last result text, or "".
std::string api_error(const std::vector<OutputLine>& lines) {
  std::string text;
  each_line(lines, [&](const OutputLine& line) {
    const auto& j = line.json;
    const auto type = j.find("type");
    const auto result = j.find("result");
    if (type != j.end() && *type == "result" && result != j.end() && result->is_string())
      text = result->get<std::string>();
  });
  const auto at = text.find(kApiErrorMark);
  return at == std::string::npos ? "" : text.substr(at);
}

}  // namespace

AgentReport parse_qwen_code_output(const std::vector<OutputLine>& lines) {
  auto r = parse_stream_json(lines, false);
  if (auto error = api_error(lines); !error.empty()) {
    r.reported_error = true;
    r.error_message = error;
  }
  return r;
}

namespace {

bool is_tool(const std::string& item_type) {
  return item_type == "command_execution" || item_type == "file_change" || item_type == "mcp_tool_call" ||
         item_type == "web_search";
}

// The name a tool item gets: the MCP tool's own name, else the item type.
std::string tool_name(const nlohmann::json& item) {
  const auto type = item.value("type", "");
  return type == "mcp_tool_call" ? item.value("tool", type) : type;
}

}  // namespace

// thread.started, turn.started, item.* and turn.completed / turn.failed lines. Codex
// writes no times: a tool runs from its item.started line to its item.completed line, as
// they arrived (items without a started line are untimed).
AgentReport parse_codex_output(const std::vector<OutputLine>& lines) {
  AgentReport r;
  ToolLog tools;
  long input = 0, output = 0;
  bool completed = false, timed = false;
  each_line(lines, [&](const OutputLine& line) {
    const auto& j = line.json;
    const auto type = j.value("type", "");
    const auto item = j.value("item", nlohmann::json::object());
    if ((type == "item.started" || type == "item.completed") && is_tool(item.value("type", ""))) {
      const auto id = item.value("id", "");
      if (type == "item.started") {
        tools.start(id, tool_name(item), line.arrived_ns);
        timed = timed || line.arrived_ns.has_value();
        return;
      }
      if (!tools.is_open(id)) tools.start(id, tool_name(item), std::nullopt);
      tools.end(id, line.arrived_ns, item.value("status", "") == "failed", exit_code(item, "exit_code"));
    } else if (type == "turn.completed") {
      completed = true;
      const auto usage = j.value("usage", nlohmann::json::object());
      input = add_counts(input, integer_or(usage, "input_tokens", 0L));
      output = add_counts(output, integer_or(usage, "output_tokens", 0L));
    } else if (type == "turn.failed") {
      r.reported_error = true;
      r.error_message = j.value(nlohmann::json::json_pointer("/error/message"), std::string("turn failed"));
    } else if (type == "error" && r.error_message.empty()) {
      r.error_message = j.value("message", "");
    }
  });
  r.tool_calls = tools.count();
  r.tools = tools.take();
  if (timed) r.tool_times = "output lines";
  r.input_tokens = input;
  r.output_tokens = output;
  r.stop_reason = r.reported_error ? "turn.failed" : completed ? "turn.completed" : "";
  if (!completed) {
    r.reported_error = true;
    if (r.error_message.empty()) r.error_message = "the agent completed no turn";
  } else if (!r.reported_error) {
    r.error_message.clear();  // retry notices of a turn that went on to complete
  }
  return r;
}

namespace {

long opencode_prompt_tokens(const nlohmann::json& tokens) {
  const auto cache = tokens.value("cache", nlohmann::json::object());
  return add_counts(add_counts(integer_or(tokens, "input", 0L), integer_or(cache, "read", 0L)),
                    integer_or(cache, "write", 0L));
}

// One JSON line per event; tool_use parts carry wall-clock start/end in ms.
class OpencodeTally {
 public:
  void add(const OutputLine& line) {
    const auto& j = line.json;
    const auto type = j.value("type", "");
    const auto part = j.value("part", nlohmann::json::object());
    if (type == "step_finish") {
      ++turns_;
      r_.stop_reason = part.value("reason", "");
      const auto tokens = part.value("tokens", nlohmann::json::object());
      input_ = add_counts(input_, opencode_prompt_tokens(tokens));
      output_ = add_counts(output_, add_counts(integer_or(tokens, "output", 0L), integer_or(tokens, "reasoning", 0L)));
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
    if (const auto meta = state.find("metadata"); meta != state.end() && meta->is_object())
      run.exit_code = exit_code(*meta, "exit");
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

}  // namespace

AgentReport parse_opencode_output(const std::vector<OutputLine>& lines) {
  OpencodeTally tally;
  each_line(lines, [&](const OutputLine& line) { tally.add(line); });
  return tally.finish();
}

namespace {

// The agent's own monotonic start_ns and end_ns, when both are integers whose span fits
// 64 bits (Span::ns() of INT64_MIN to INT64_MAX overflowed).
std::optional<Span> span_of(const nlohmann::json& j) {
  const auto start = j.find("start_ns"), end = j.find("end_ns");
  if (start == j.end() || end == j.end() || !fits<std::int64_t>(*start) || !fits<std::int64_t>(*end)) return std::nullopt;
  const Span span{start->get<std::int64_t>(), end->get<std::int64_t>()};
  std::int64_t ns = 0;
  return __builtin_sub_overflow(span.end_ns, span.start_ns, &ns) ? std::nullopt : std::optional(span);
}

// Totals from the agent's JSON lines; its final result line, when it wrote one, wins.
struct BuiltinTally {
  AgentReport report;
  int turns = 0, tools = 0;
  long input = 0, output = 0;

  void add(const nlohmann::json& j) {
    const auto type = j.value("type", "");
    if (type == "call" && !j.contains("error")) {
      ++turns;
      input = add_counts(input, integer_or(j, "input_tokens", 0L));
      output = add_counts(output, integer_or(j, "output_tokens", 0L));
    } else if (type == "tool") {
      ++tools;
      const auto exit = exit_code(j, "exit");
      report.tools.push_back({j.value("name", ""), span_of(j), exit, exit.value_or(0) != 0});
      report.tool_times = "agent";
    } else if (type == "result") {
      result(j);
    }
  }
  void result(const nlohmann::json& j) {
    report.turns = integer_or(j, "turns", 0);
    report.tool_calls = integer_or(j, "tool_calls", 0);
    report.input_tokens = integer_or(j, "input_tokens", 0L);
    report.output_tokens = integer_or(j, "output_tokens", 0L);
    report.own_duration_s = j.value("duration_ms", 0.0) / 1000.0;
    report.stop_reason = j.value("stop", "");
    report.reported_error = report.stop_reason == "error";
    if (j.contains("error") && j["error"].is_string()) report.error_message = j["error"].get<std::string>();
  }
  AgentReport finish() {
    if (!report.turns) {  // stopped from outside before its result line
      report.turns = turns;
      report.tool_calls = tools;
      report.input_tokens = input;
      report.output_tokens = output;
    }
    return std::move(report);
  }
};

}  // namespace

AgentReport parse_builtin_output(const std::vector<OutputLine>& lines) {
  BuiltinTally tally;
  each_line(lines, [&](const OutputLine& line) { tally.add(line.json); });
  return tally.finish();
}

}  // namespace agentrace::scaffold
