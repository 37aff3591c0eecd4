// What the fuzz targets (tests/fuzz) found in the parsers of agent-written output and of
// specs, one test per finding: each crashed the host process, threw where nothing catches,
// or read a number through undefined behaviour before its fix.
#include <gtest/gtest.h>

#include <limits>
#include <regex>
#include <string>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "grade/hygiene.hpp"
#include "proc/rusage.hpp"
#include "race/race-spec.hpp"
#include "scaffold/agent-output.hpp"
#include "suite/task.hpp"
#include "support/test-support.hpp"

namespace agentrace {
namespace {

namespace fs = std::filesystem;
using scaffold::AgentReport;
using scaffold::OutputLine;

std::vector<OutputLine> lines(const std::string& out) { return scaffold::parse_output_lines(out, {}); }

// Every agent's parser on the same output.
std::vector<AgentReport> parse_all(const std::string& out) {
  const auto l = lines(out);
  return {scaffold::parse_stream_json(l, true), scaffold::parse_qwen_code_output(l), scaffold::parse_opencode_output(l),
          scaffold::parse_codex_output(l), scaffold::parse_builtin_output(l)};
}

// Copying a JSON value recurses once per level: 200,000 levels overflowed the stack.
TEST(AgentOutput, ADeeplyNestedLineIsSkipped) {
  const std::string deep = std::string(200'000, '[') + std::string(200'000, ']');
  const auto reports = parse_all(
      "{\"type\":\"result\",\"usage\":" + deep + ",\"message\":{\"content\":" + deep + "},\"part\":" + deep +
      ",\"item\":" + deep + "}\n{\"type\":\"result\",\"subtype\":\"success\",\"num_turns\":2}\n");
  EXPECT_EQ(reports[0].turns, 2);  // the lines after it still count
  EXPECT_EQ(reports[1].turns, 2);
}

// A number a field's type cannot hold was cast anyway (undefined; on x86 INT_MIN).
TEST(AgentOutput, NumbersOutOfRangeCountAsAbsent) {
  const auto r = scaffold::parse_stream_json(
      lines("{\"type\":\"result\",\"num_turns\":1e300,\"duration_ms\":5,"
            "\"usage\":{\"input_tokens\":-1e300,\"output_tokens\":1e300}}\n"),
      true);
  EXPECT_EQ(r.turns, 0);
  EXPECT_EQ(r.input_tokens, 0);
  EXPECT_EQ(r.output_tokens, 0);
  const auto b = scaffold::parse_builtin_output(
      lines("{\"type\":\"tool\",\"name\":\"bash\",\"start_ns\":1e30,\"end_ns\":2e30,\"exit\":1e10}\n"
            "{\"type\":\"tool\",\"start_ns\":-9223372036854775808,\"end_ns\":9223372036854775807}\n"));
  ASSERT_EQ(b.tools.size(), 2u);
  EXPECT_FALSE(b.tools[0].timed());
  EXPECT_FALSE(b.tools[0].exit_code.has_value());
  EXPECT_FALSE(b.tools[1].timed());  // its span overflowed Span::ns()
}

// Token totals added up past LONG_MAX (signed overflow): they stop at the largest count.
TEST(AgentOutput, TokenTotalsDoNotOverflow) {
  const std::string turn = "{\"type\":\"turn.completed\",\"usage\":{\"input_tokens\":9223372036854775807}}\n";
  const auto r = scaffold::parse_codex_output(lines(turn + turn));
  EXPECT_EQ(r.input_tokens, std::numeric_limits<long>::max());
  const std::string step = "{\"type\":\"step_finish\",\"part\":{\"tokens\":{\"input\":9223372036854775807,"
                           "\"cache\":{\"read\":9223372036854775807}}}}\n";
  EXPECT_EQ(scaffold::parse_opencode_output(lines(step + step)).input_tokens, std::numeric_limits<long>::max());
}

// A wall-clock time no 64-bit count of nanoseconds holds, or not a number: llround gave
// LLONG_MIN (x86), and the span from there to a real time overflowed Span::ns().
TEST(AgentOutput, AbsurdTimesKeepSpansInRange) {
  EXPECT_FALSE(scaffold::rfc3339_ms("2026-11-30T08:17:nanZ").has_value());
  EXPECT_FALSE(scaffold::rfc3339_ms("2026-11-30T08:17:1e400Z").has_value());
  const auto now_ms = std::to_string(core::wall_now_ms());
  const auto r = scaffold::parse_opencode_output(
      lines("{\"type\":\"tool_use\",\"part\":{\"tool\":\"bash\",\"state\":{\"time\":{\"start\":-1e300,\"end\":" +
            now_ms + "}}}}\n"));
  ASSERT_EQ(r.tools.size(), 1u);
  ASSERT_TRUE(r.tools[0].timed());
  EXPECT_GT(r.tools[0].span->ns(), 0);  // from a century ago
}

// The relay's rusage file is the agent's to overwrite: a string threw nlohmann's
// type_error (which ended the attempt as an infrastructure failure before hostile-git's
// catch), and 1e300 was cast into a long.
TEST(RelayRusage, FieldsOfAnotherTypeOrRangeAreIgnored) {
  proc::ProcResult pr;
  pr.user_s = 1.5;
  pr.sys_s = 0.5;
  pr.max_rss_kb = 1024;
  const auto ignored = proc::apply_relay_rusage(R"({"user_s": "x", "sys_s": -3, "max_rss_kb": 1e300})", pr);
  EXPECT_NE(ignored.find("user_s"), std::string::npos) << ignored;
  EXPECT_NE(ignored.find("max_rss_kb"), std::string::npos) << ignored;
  EXPECT_EQ(pr.user_s, 1.5);
  EXPECT_EQ(pr.sys_s, 0.5);
  EXPECT_EQ(pr.max_rss_kb, 1024);
  EXPECT_EQ(proc::apply_relay_rusage(R"({"user_s": 12.5, "sys_s": 2, "max_rss_kb": 4096})", pr), "");
  EXPECT_EQ(pr.user_s, 12.5);
  EXPECT_EQ(pr.sys_s, 2);
  EXPECT_EQ(pr.max_rss_kb, 4096);
}

// std::regex matches recursively, one frame per character: a long id overflowed the stack.
TEST(Specs, ALongTaskIdIsRefusedNotACrash) {
  core::TempDir tmp("agentrace-hostile");
  const auto dir = tmp.path() / "demo-task";
  fs::copy(test::data_dir() / "specs" / "suite-good" / "demo-task", dir, fs::copy_options::recursive);
  auto spec = core::read_file(dir / "task.toml");
  spec.replace(spec.find("demo-task"), 9, std::string(200'000, 'a') + "_");
  try {
    suite::parse_task(spec, dir);
    FAIL() << "a task id with '_' was accepted";
  } catch (const core::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("'id'"), std::string::npos);
  }
}

// Found by fuzz-task-spec: a file name longer than the file system allows made
// std::filesystem::exists throw out of the parser instead of a spec error.
TEST(Specs, AFileNameTooLongIsASpecErrorNotAThrow) {
  core::TempDir tmp("agentrace-hostile");
  const auto dir = tmp.path() / "demo-task";
  fs::copy(test::data_dir() / "specs" / "suite-good" / "demo-task", dir, fs::copy_options::recursive);
  const auto long_name = std::string(300, 's');
  for (const auto& [field, spec] :
       {std::pair{"statement", "statement = \"" + long_name + "\""}, {"url", "[repo]\nurl = \"" + long_name + "\""}}) {
    auto text = core::read_file(dir / "task.toml");
    text = std::string(field) == "statement" ? std::regex_replace(text, std::regex("statement = \"[^\"]*\""), spec)
                                             : std::regex_replace(text, std::regex("\\[repo\\][^\\[]*"), spec + "\ncommit = \"abc\"\n\n");
    try {
      suite::parse_task(text, dir);
      FAIL() << field << ": a name too long was accepted";
    } catch (const core::UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
    }
  }
}

TEST(Specs, ALongContenderNameIsRefusedNotACrash) {
  race::RaceSpec spec;
  spec.contenders.push_back({});
  spec.contenders[0].name = std::string(200'000, 'a') + "/";
  spec.contenders[0].scaffold = "nop";
  EXPECT_THROW(race::finalize_contenders(spec), core::UsageError);
}

// The debug-leftover check ran std::regex over each added line: a line of 200,000 spaces
// overflowed the grader's stack.
TEST(Hygiene, AVeryLongAddedLineIsCheckedWithoutACrash) {
  const std::string diff = "diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1 +1,2 @@\n x = 1\n+" +
                           std::string(200'000, ' ') + "debugger;\n";
  const std::string fix = "diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n";
  bool debug = false;
  for (const auto& flag : grade::check_hygiene(diff, fix, "")) debug = debug || flag.check == "debug_leftovers";
  EXPECT_TRUE(debug);
}

// The flags quote the agent's bytes: a path or line that is not UTF-8 made dump() throw,
// which failed the grading (an infrastructure error, never scored). The store prints
// records so (store-test FinishWritesEveryField reads such bytes back replaced).
TEST(Hygiene, FlagsOnBytesThatAreNotUtf8PrintAsJson) {
  const std::string diff = "diff --git a/x\xff.py b/x\xff.py\n--- a/x\xff.py\n+++ b/x\xff.py\n@@ -1 +1,2 @@\n x = 1\n"
                           "+print(\"debug \xc3\")\n";
  const auto flags = grade::check_hygiene(diff, "", "");
  ASSERT_FALSE(flags.empty());
  const auto text = nlohmann::json(flags).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  EXPECT_EQ(nlohmann::json::parse(text).get<std::vector<grade::HygieneFlag>>().size(), flags.size());
}

}  // namespace
}  // namespace agentrace
