// The adapters of the four agent CLIs: the config files, argv and env each attempt gets
// (golden files), check() on contenders, and parse_output() on outputs captured from the
// real CLIs (tests/data/agents: a fixed task against the simulated endpoint, and the
// same against an endpoint answering HTTP 500).
#include <algorithm>
#include <cstdlib>
#include <fstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "scaffold/cli-agent.hpp"
#include "support/test-support.hpp"

namespace agentrace::scaffold {
namespace {

namespace fs = std::filesystem;

// Points agents_dir() at a folder for the test's lifetime.
class AgentsDir {
 public:
  explicit AgentsDir(const fs::path& dir) {
    if (const char* old = std::getenv("AGENTRACE_AGENTS_DIR")) old_ = old;
    ::setenv("AGENTRACE_AGENTS_DIR", dir.c_str(), 1);
  }
  ~AgentsDir() {
    if (old_.empty()) ::unsetenv("AGENTRACE_AGENTS_DIR");
    else ::setenv("AGENTRACE_AGENTS_DIR", old_.c_str(), 1);
  }
  AgentsDir(const AgentsDir&) = delete;
  AgentsDir& operator=(const AgentsDir&) = delete;

 private:
  std::string old_;
};

// A fake install: package.json with a version and the .bin entry.
void fake_install(const fs::path& dir, const CliInfo& cli, const std::string& version) {
  core::write_file(dir / "node_modules" / cli.package / "package.json",
                   fmt::format("{{\"name\":\"{}\",\"version\":\"{}\"}}", cli.package, version));
  core::write_file(dir / "node_modules" / ".bin" / cli.bin, "#!/bin/sh\n");
}

class Agents : public ::testing::TestWithParam<std::string> {
 protected:
  core::TempDir tmp{"agentrace-scaffold"};
  fs::path agents = tmp.path() / "agents";
  AgentsDir env{agents};
  suite::Task task;
  ContenderConfig contender;

  Agents() {
    task.id = "py-demo-task";
    task.statement = "Fix the \"quoted\" newline bug in reader.py.\nKeep the API.";
    contender.name = "c1";
    contender.scaffold = GetParam();
    contender.model = "test-model";
    contender.endpoint = EndpointConfig{"http://gpu:8000", "", "", ""};
    for (const auto& cli : cli_infos()) fake_install(agents, cli, "9.9.9");
  }
  const CliInfo& info() const { return cli_info(GetParam()); }

  AttemptContext ctx(const fs::path& dir, sandbox::Mode mode) const {
    fs::create_directories(dir / "home");
    return {task, contender, dir / "workspace", dir / "home", dir, mode, std::chrono::seconds(60),
            "http://127.0.0.1:8417/r/a1b2", "agentrace-dummy-key"};
  }

  // argv, env, mounts and every file written into HOME, host paths replaced.
  std::string describe(const Launch& l, const fs::path& home) const {
    const auto clean = [&](std::string s) {
      for (const auto& [from, to] : {std::pair{fs::absolute(agents).string(), std::string("<agents>")},
                                     std::pair{home.string(), std::string("<home>")}}) {
        for (auto at = s.find(from); at != std::string::npos; at = s.find(from)) s.replace(at, from.size(), to);
      }
      return s;
    };
    std::string out = "argv:\n";
    for (const auto& a : l.argv) out += clean(fmt::format("  {}\n", a));
    out += "env:\n";
    for (const auto& [k, v] : l.env) out += clean(fmt::format("  {}={}\n", k, v));
    out += "mounts:\n";
    for (const auto& m : l.mounts)
      out += clean(fmt::format("  {} -> {} {}\n", m.host.string(), m.inside.string(), m.writable ? "rw" : "ro"));
    for (const auto& f : fs::recursive_directory_iterator(home)) {
      if (f.is_regular_file())
        out += fmt::format("file {}:\n{}", fs::relative(f.path(), home).string(), core::read_file(f.path()));
    }
    return out;
  }

  AgentReport parse(const std::string& data_file) const {
    const auto dir = tmp.path() / "logs";
    fs::create_directories(dir);
    fs::copy_file(test::data_dir() / "agents" / data_file, dir / "agent.stdout", fs::copy_options::overwrite_existing);
    const auto c = ctx(dir, sandbox::Mode::bwrap);
    return make(GetParam())->parse_output(c, proc::ProcResult{});
  }
};

TEST_P(Agents, PrepareWritesConfigArgvAndEnv) {
  const auto c = ctx(tmp.path() / "attempt", sandbox::Mode::bwrap);
  const auto launch = make(GetParam())->prepare(c);
  EXPECT_EQ(test::compare_golden(fmt::format("scaffold-{}.txt", GetParam()), describe(launch, c.home)), "");
}

TEST_P(Agents, WithoutSandboxUsesHostPathsAndNoMount) {
  const auto c = ctx(tmp.path() / "attempt", sandbox::Mode::none);
  const auto launch = make(GetParam())->prepare(c);
  EXPECT_TRUE(launch.mounts.empty());
  const auto bin = fs::absolute(agents) / "node_modules" / ".bin";
  EXPECT_EQ(launch.argv.at(0), (bin / info().bin).string());
  EXPECT_EQ(launch.env.at("PATH").rfind(bin.string() + ":", 0), 0u) << launch.env.at("PATH");
  for (const auto& [k, v] : launch.env) EXPECT_EQ(v.find("/home/agent"), std::string::npos) << k << "=" << v;
}

TEST_P(Agents, ContenderEnvWins) {
  contender.env = {{"PATH", "/custom"}, {"EXTRA", "1"}};
  const auto launch = make(GetParam())->prepare(ctx(tmp.path() / "attempt", sandbox::Mode::bwrap));
  EXPECT_EQ(launch.env.at("PATH"), "/custom");
  EXPECT_EQ(launch.env.at("EXTRA"), "1");
}

TEST_P(Agents, PromptIsTheStatement) {
  const auto launch = make(GetParam())->prepare(ctx(tmp.path() / "attempt", sandbox::Mode::bwrap));
  EXPECT_EQ(std::count(launch.argv.begin(), launch.argv.end(), task.statement), 1);
}

TEST_P(Agents, CheckAcceptsAnInstalledCliWithItsProtocolOrNone) {
  const auto s = make(GetParam());
  EXPECT_NO_THROW(s->check(contender));
  contender.endpoint->protocol = info().protocol;
  EXPECT_NO_THROW(s->check(contender));
  contender.endpoint = EndpointConfig{"", "", "", "zero"};
  EXPECT_NO_THROW(s->check(contender));
}

// The message of the UsageError check() throws, "" when it does not.
std::string check_error(const Scaffold& s, const ContenderConfig& c) {
  try {
    s.check(c);
  } catch (const core::UsageError& e) {
    return e.what();
  }
  return "";
}

TEST_P(Agents, CheckNamesWhatToFix) {
  const auto s = make(GetParam());
  auto c = contender;
  c.endpoint->protocol = info().protocol == "openai-chat" ? "anthropic-messages" : "openai-chat";
  EXPECT_NE(check_error(*s, c).find(fmt::format("protocol = \"{}\"", info().protocol)), std::string::npos)
      << check_error(*s, c);
  c = contender;
  c.model.clear();
  EXPECT_NE(check_error(*s, c).find("model"), std::string::npos);
  c = contender;
  c.endpoint.reset();
  EXPECT_NE(check_error(*s, c).find("endpoint"), std::string::npos);
  fs::remove_all(agents / "node_modules" / info().package);
  const auto missing = check_error(*s, contender);
  EXPECT_NE(missing.find("scripts/setup-agents"), std::string::npos) << missing;
  EXPECT_NE(missing.find(info().package), std::string::npos) << missing;
}

TEST_P(Agents, ParsesASuccessfulRunWithTwoToolCalls) {
  const auto r = parse(GetParam() + "-success.jsonl");
  EXPECT_FALSE(r.reported_error) << r.error_message;
  EXPECT_EQ(r.tool_calls, 2);
  EXPECT_GT(r.input_tokens.value_or(0), 20000);
  EXPECT_GT(r.output_tokens.value_or(0), 2000);
  if (GetParam() != "codex") EXPECT_EQ(r.turns, 3);  // codex reports one turn per prompt only
  EXPECT_FALSE(r.version.empty());
}

TEST_P(Agents, ReportsTheEndpointsError) {
  const auto r = parse(GetParam() + "-api-error.jsonl");
  EXPECT_TRUE(r.reported_error);
  EXPECT_FALSE(r.error_message.empty());
  EXPECT_EQ(r.tool_calls, 0);
}

TEST_P(Agents, EmptyOutputIsAnError) {
  fs::create_directories(tmp.path() / "logs");
  core::write_file(tmp.path() / "logs" / "agent.stdout", "not json\n");
  const auto r = make(GetParam())->parse_output(ctx(tmp.path() / "logs", sandbox::Mode::bwrap), proc::ProcResult{});
  if (GetParam() != "opencode") EXPECT_TRUE(r.reported_error);  // opencode has no final line to miss
  EXPECT_EQ(r.tool_calls, 0);
  EXPECT_EQ(r.version, "9.9.9");  // the installed package's
}

TEST_P(Agents, FieldsOfUnexpectedTypesAreSkipped) {
  fs::create_directories(tmp.path() / "logs");
  core::write_file(tmp.path() / "logs" / "agent.stdout",
                   "{\"type\":123}\n"
                   "{\"type\":\"assistant\",\"message\":{\"content\":\"text\"}}\n"
                   "{\"type\":\"step_finish\",\"part\":{\"tokens\":\"many\"}}\n"
                   "{\"type\":\"tool_use\",\"part\":{\"state\":{\"time\":{\"start\":\"a\",\"end\":1}}}}\n"
                   "{\"type\":\"item.completed\",\"item\":[1]}\n"
                   "{\"type\":\"turn.completed\",\"usage\":{\"input_tokens\":\"x\"}}\n"
                   "{\"type\":\"result\",\"is_error\":\"yes\",\"result\":5}\n");
  EXPECT_NO_THROW(make(GetParam())->parse_output(ctx(tmp.path() / "logs", sandbox::Mode::bwrap), proc::ProcResult{}));
}

INSTANTIATE_TEST_SUITE_P(Scaffold, Agents, ::testing::Values("claude-code", "opencode", "codex", "qwen-code"),
                         [](const auto& info) {
                           auto name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(ClaudeCode, DetailsOfASuccessfulRun) {
  core::TempDir tmp("agentrace-scaffold");
  fs::copy_file(test::data_dir() / "agents" / "claude-code-success.jsonl", tmp.path() / "agent.stdout");
  suite::Task task;
  ContenderConfig c;
  const AttemptContext ctx{task, c, {}, {}, tmp.path()};
  const auto r = make("claude-code")->parse_output(ctx, {});
  EXPECT_EQ(r.version, "2.1.332");  // from its init line
  EXPECT_DOUBLE_EQ(r.own_duration_s.value_or(0), 1.742);
  EXPECT_EQ(r.input_tokens, 42765);
  EXPECT_EQ(r.output_tokens, 2216);
  ASSERT_EQ(r.tools.size(), 2u);  // from the line timestamps: tool_use -> tool_result
  for (const auto& t : r.tools) {
    EXPECT_EQ(t.name, "Bash");
    EXPECT_TRUE(t.timed());
    EXPECT_FALSE(t.error);
  }
  EXPECT_EQ(r.tool_times, "agent");
  EXPECT_EQ(r.stop_reason, "end_turn");
}

TEST(QwenCode, ExitZeroApiErrorIsAnError) {
  core::TempDir tmp("agentrace-scaffold");
  fs::copy_file(test::data_dir() / "agents" / "qwen-code-api-error.jsonl", tmp.path() / "agent.stdout");
  suite::Task task;
  ContenderConfig c;
  const AttemptContext ctx{task, c, {}, {}, tmp.path()};
  const auto r = make("qwen-code")->parse_output(ctx, {});
  EXPECT_TRUE(r.reported_error);
  EXPECT_EQ(r.error_message.rfind("[API Error: 500", 0), 0u) << r.error_message;
  EXPECT_EQ(r.version, "0.15.10");
}

TEST(Opencode, ToolSpansComeFromItsWallClockTimes) {
  core::TempDir tmp("agentrace-scaffold");
  fs::copy_file(test::data_dir() / "agents" / "opencode-success.jsonl", tmp.path() / "agent.stdout");
  suite::Task task;
  ContenderConfig c;
  const AttemptContext ctx{task, c, {}, {}, tmp.path()};
  const auto r = make("opencode")->parse_output(ctx, {});
  ASSERT_EQ(r.tools.size(), 2u);
  // Durations as the agent wrote them (time.end - time.start, ms).
  EXPECT_EQ(r.tools[0].span->ns(), 440'000'000);
  EXPECT_EQ(r.tools[1].span->ns(), 112'000'000);
  EXPECT_EQ(r.tools[0].name, "bash");
  EXPECT_EQ(r.tools[0].exit_code, 0);
  EXPECT_EQ(r.stop_reason, "stop");
  EXPECT_EQ(r.input_tokens, 28739);
  EXPECT_EQ(r.output_tokens, 2195);
}

TEST(Codex, FailedTurnIsTheErrorNotItsRetryNotices) {
  core::TempDir tmp("agentrace-scaffold");
  fs::copy_file(test::data_dir() / "agents" / "codex-api-error.jsonl", tmp.path() / "agent.stdout");
  suite::Task task;
  ContenderConfig c;
  const AttemptContext ctx{task, c, {}, {}, tmp.path()};
  const auto r = make("codex")->parse_output(ctx, {});
  EXPECT_TRUE(r.reported_error);
  EXPECT_EQ(r.error_message.find("Reconnecting"), std::string::npos) << r.error_message;
}

// The attempt's "<stdout>.times" file: the byte count after each read and its time.
void write_times(const fs::path& stdout_file, const std::vector<std::int64_t>& line_times_ns) {
  std::ifstream in(stdout_file);
  std::string times;
  std::size_t bytes = 0, i = 0;
  for (std::string line; std::getline(in, line) && i < line_times_ns.size(); ++i) {
    bytes += line.size() + 1;
    times += fmt::format("{} {}\n", bytes, line_times_ns[i]);
  }
  core::write_file(stdout_file.string() + ".times", times);
}

TEST(OutputLines, ArrivalTimeIsTheReadThatBroughtTheLinesLastByte) {
  core::TempDir tmp("agentrace-scaffold");
  const auto file = tmp.path() / "agent.stdout";
  core::write_file(file, "{\"a\":1}\nnot json\n{\"b\":2}\n{\"c\":3}\n");
  // Reads: 4 bytes (half the first line), then up to the end of "not json", then the rest.
  core::write_file(file.string() + ".times", "4 100\n17 200\n33 300\n");
  const auto lines = read_output_lines(file);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].arrived_ns, 200);
  EXPECT_EQ(lines[1].arrived_ns, 300);
  EXPECT_EQ(lines[2].arrived_ns, 300);
  fs::remove(file.string() + ".times");
  EXPECT_FALSE(read_output_lines(file)[0].arrived_ns.has_value());  // no times file: unknown
}

TEST(Codex, ToolRunsFromWhenItsItemLinesArrived) {
  core::TempDir tmp("agentrace-scaffold");
  const auto file = tmp.path() / "agent.stdout";
  fs::copy_file(test::data_dir() / "agents" / "codex-success.jsonl", file);
  std::vector<std::int64_t> at;
  for (std::int64_t i = 1; i <= 20; ++i) at.push_back(i * 1'000'000'000);
  write_times(file, at);
  suite::Task task;
  ContenderConfig c;
  const AttemptContext ctx{task, c, {}, {}, tmp.path()};
  const auto r = make("codex")->parse_output(ctx, {});
  ASSERT_EQ(r.tools.size(), 2u);
  for (const auto& t : r.tools) {
    EXPECT_EQ(t.name, "command_execution");
    EXPECT_EQ(t.exit_code, 0);
    ASSERT_TRUE(t.timed());
    EXPECT_EQ(t.span->ns(), 1'000'000'000);  // started and completed lines are adjacent
  }
  EXPECT_EQ(r.tool_times, "output lines");
  EXPECT_EQ(r.stop_reason, "turn.completed");
}

TEST(QwenCode, ToolRunsFromWhenItsLinesArrived) {
  core::TempDir tmp("agentrace-scaffold");
  const auto file = tmp.path() / "agent.stdout";
  fs::copy_file(test::data_dir() / "agents" / "qwen-code-success.jsonl", file);
  write_times(file, {100, 200, 300, 700, 800, 950, 1000, 1100});
  suite::Task task;
  ContenderConfig c;
  const AttemptContext ctx{task, c, {}, {}, tmp.path()};
  const auto r = make("qwen-code")->parse_output(ctx, {});
  ASSERT_EQ(r.tools.size(), 2u);
  EXPECT_EQ(r.tools[0].name, "run_shell_command");
  EXPECT_EQ(r.tools[0].span->ns(), 400);  // line 3 (tool_use) -> line 4 (tool_result)
  EXPECT_EQ(r.tools[1].span->ns(), 150);
  EXPECT_EQ(r.tool_times, "output lines");
  EXPECT_EQ(r.stop_reason, "success");
}

TEST_P(Agents, MaxTurnsReachesTheCliWhereItHasAKnob) {
  contender.max_turns = 7;
  const auto l = make(GetParam())->prepare(ctx(tmp.path() / "t", sandbox::Mode::bwrap));
  const auto argv = fmt::format("{}", fmt::join(l.argv, " "));
  const auto config = tmp.path() / "t" / "home" / ".config" / "opencode" / "opencode.json";
  if (GetParam() == "claude-code") EXPECT_NE(argv.find("--max-turns 7"), std::string::npos) << argv;
  if (GetParam() == "qwen-code") EXPECT_NE(argv.find("--max-session-turns 7"), std::string::npos) << argv;
  if (GetParam() == "opencode")
    EXPECT_EQ(nlohmann::json::parse(core::read_file(config)).value(nlohmann::json::json_pointer("/agent/build/steps"), 0), 7);
  EXPECT_NE(std::find(l.argv.begin(), l.argv.end(), task.statement), l.argv.end());
}

TEST(WallClock, Rfc3339AndMonotonicConversion) {
  EXPECT_EQ(rfc3339_ms("1970-01-01T00:00:01.250Z"), 1250.0);
  EXPECT_EQ(rfc3339_ms("2026-11-30T08:17:37.171Z").value_or(0), 1796026657171.0);
  EXPECT_FALSE(rfc3339_ms("2026-11-30 08:17").has_value());
  EXPECT_FALSE(rfc3339_ms("").has_value());
  const WallToMono to_mono;
  const auto now = to_mono(static_cast<double>(core::wall_now_ms()));
  EXPECT_LT(std::llabs(now - core::mono_ns()), 50'000'000);
}

// A machine booted a minute ago reads an agent's timestamps from days before its boot:
// they map below zero on the monotonic clock and are still times, with exact durations.
TEST(WallClock, TimesFromBeforeBootAreStillTimes) {
  const std::int64_t wall_now_ms = 1'800'000'000'000;  // any fixed instant
  const WallToMono booted_a_minute_ago(60'000'000'000, wall_now_ms);
  const double three_days_ago = static_cast<double>(wall_now_ms - 3 * 86'400'000);
  EXPECT_LT(booted_a_minute_ago(three_days_ago), 0);
  EXPECT_EQ(booted_a_minute_ago(three_days_ago + 250) - booted_a_minute_ago(three_days_ago), 250'000'000);

  const auto lines = read_output_lines(test::data_dir() / "agents" / "claude-code-success.jsonl");
  const auto r = parse_stream_json(lines, true, booted_a_minute_ago);
  ASSERT_EQ(r.tools.size(), 2u);
  for (const auto& t : r.tools) {
    ASSERT_TRUE(t.timed()) << t.name;
    EXPECT_LT(t.span->start_ns, 0);  // the fixture's timestamps predate the faked boot
    EXPECT_GT(t.span->ns(), 0);
  }
  EXPECT_EQ(r.tool_times, "agent");
}

}  // namespace
}  // namespace agentrace::scaffold
