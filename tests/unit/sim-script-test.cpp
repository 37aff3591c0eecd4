// Scripts: loading, selection by the conversation's user text, the turn reached, the
// final text, suite scripts and the heredoc that carries a patch.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "sim/script.hpp"
#include "suite/task.hpp"
#include "support/test-support.hpp"

namespace sim = agentrace::sim;
using agentrace::test::data_dir;

TEST(SimScript, LoadsTurnsToolsAndFinalText) {
  const sim::Script s = sim::load_script(data_dir() / "sim" / "fix-sum.toml");
  EXPECT_EQ(s.name, "fix-sum");
  EXPECT_EQ(s.match, "sum() of an empty list");
  ASSERT_EQ(s.turns.size(), 3u);
  EXPECT_EQ(s.turns[0].text, "Let me look at the code.");
  ASSERT_EQ(s.turns[0].tools.size(), 1u);
  EXPECT_EQ(s.turns[0].tools[0].kind, sim::ToolKind::shell);
  EXPECT_EQ(s.turns[0].tools[0].command, "cat sum.py");
  ASSERT_EQ(s.turns[1].tools.size(), 2u);
  EXPECT_EQ(s.turns[1].tools[0].kind, sim::ToolKind::write_file);
  EXPECT_EQ(s.turns[1].tools[0].path, "sum.py");
  EXPECT_EQ(s.turns[1].tools[0].content, "def total(xs):\n    return sum(xs, 0)\n");
  EXPECT_EQ(s.turns[1].tools[1].kind, sim::ToolKind::read_file);
  EXPECT_FALSE(s.turns[1].reasoning.empty());
  EXPECT_EQ(sim::turn_at(s, 3).text, "Fixed: sum() of an empty list returns 0.");
  EXPECT_TRUE(sim::turn_at(s, 3).tools.empty());
  EXPECT_TRUE(sim::turn_at(s, 99).tools.empty());
}

TEST(SimScript, ErrorsNameFileLineAndField) {
  try {
    sim::load_script(data_dir() / "sim" / "bad-script.toml");
    FAIL() << "no error";
  } catch (const agentrace::core::UsageError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("bad-script.toml:4:"), std::string::npos) << what;
    EXPECT_NE(what.find("exactly one of shell, write_file, read_file"), std::string::npos) << what;
    EXPECT_NE(what.find("unknown field 'turn[1].colour'"), std::string::npos) << what;
  }
}

TEST(SimScript, DefaultScriptRunsLsThenFinishes) {
  const sim::Script s = sim::default_script();
  ASSERT_EQ(s.turns.size(), 1u);
  ASSERT_EQ(s.turns[0].tools.size(), 1u);
  EXPECT_EQ(s.turns[0].tools[0].command, "ls");
  EXPECT_EQ(sim::turn_at(s, 1).text, "Done.");
}

TEST(SimScript, SelectionTakesTheLongestMatchInAnyUserText) {
  sim::ScriptBook book;
  book.add(sim::Script{"short", "sum()", {}, "short"});
  book.add(sim::Script{"long", "sum() of an   empty\nlist", {}, "long"});
  book.add(sim::Script{"other", "rotate logs", {}, "other"});
  EXPECT_EQ(book.select({"<env>context</env>", "Fix: sum() of an empty list raises."}).name, "long");
  EXPECT_EQ(book.select({"Why does sum() fail?"}).name, "short");
  EXPECT_EQ(book.select({"Please\n  rotate\tlogs now"}).name, "other");
  EXPECT_EQ(book.select({"something else"}).name, "default");
  EXPECT_EQ(book.select({}).name, "default");
}

TEST(SimScript, CatchAllScriptReplacesTheDefault) {
  sim::ScriptBook book;
  book.add(sim::Script{"mine", "", {}, "mine"});
  EXPECT_EQ(book.select({"anything"}).name, "mine");
}

TEST(SimScript, SquashSpace) {
  EXPECT_EQ(sim::squash_space("  a \n\t b  c\n"), "a b c");
  EXPECT_EQ(sim::squash_space(""), "");
}

TEST(SimScript, HeredocDelimiterNeverOccursInTheText) {
  agentrace::core::TempDir tmp("agentrace-sim-heredoc");
  for (const std::string text : {std::string("plain\n"), std::string("no newline at end"),
                                 std::string("AGENTRACE_EOF\nAGENTRACE_EOF_1\n$HOME `x` 'q' \"d\" \\n\n")}) {
    const std::string cmd = sim::heredoc_command("cat > " + (tmp.path() / "out").string(), text);
    const auto r = agentrace::test::run_command(cmd);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string expected = text.ends_with('\n') ? text : text + "\n";
    EXPECT_EQ(agentrace::core::read_file(tmp.path() / "out"), expected);
  }
}

// A patch of CRLF files: the command holds no control character and feeds the exact bytes.
TEST(SimScript, ControlCharactersTravelAsBase64) {
  agentrace::core::TempDir tmp("agentrace-sim-heredoc");
  const std::string text = "line one\r\nline two\r\n\x1b[0m no newline at end";
  const std::string cmd = sim::heredoc_command(fmt::format("mkdir -p {0} && cat > {0}/out", (tmp.path() / "d").string()), text);
  for (char c : cmd) EXPECT_TRUE(c == '\n' || static_cast<unsigned char>(c) >= 0x20) << int(c);
  const auto r = agentrace::test::run_command(cmd);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(agentrace::core::read_file(tmp.path() / "d" / "out"), text);
}

// The suite script's `git apply` of a fix to a CRLF file, run as an agent's shell would.
TEST(SimScript, SuiteScriptAppliesACrlfFix) {
  agentrace::core::TempDir tmp("agentrace-sim-crlf");
  const auto repo = tmp.path() / "repo";
  const auto r0 = agentrace::test::run_command(fmt::format(
      "mkdir -p {0} && cd {0} && git init -q . && printf 'a\\r\\nb\\r\\n' > f.txt && git add f.txt && "
      "git -c user.name=t -c user.email=t@t commit -qm base && printf 'a\\r\\nB\\r\\n' > f.txt && git diff > ../fix.patch "
      "&& git checkout -q f.txt",
      repo.string()));
  ASSERT_EQ(r0.exit_code, 0) << r0.err;
  const auto patch = agentrace::core::read_file(tmp.path() / "fix.patch");
  ASSERT_NE(patch.find('\r'), std::string::npos);
  const std::string cmd = sim::heredoc_command("git apply", patch);
  EXPECT_EQ(cmd.find('\r'), std::string::npos);
  const auto r = agentrace::test::run_command(fmt::format("cd {} && {}", repo.string(), cmd));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(agentrace::core::read_file(repo / "f.txt"), "a\r\nB\r\n");
}

TEST(SimScript, SuiteScriptsApplyTheFixThenShowTheDiff) {
  const auto suite = agentrace::suite::load_suite(data_dir() / "suites" / "tiny");
  const auto scripts = sim::suite_scripts(suite);
  ASSERT_EQ(scripts.size(), suite.tasks.size());
  const auto& task = suite.tasks.front();
  const auto& s = scripts.front();
  EXPECT_EQ(s.name, task.id);
  EXPECT_FALSE(s.match.empty());
  EXPECT_LE(s.match.size(), 200u);
  EXPECT_NE(sim::squash_space(task.statement).find(sim::squash_space(s.match)), std::string::npos);
  ASSERT_EQ(s.turns.size(), 3u);
  const std::string& apply = s.turns[0].tools.at(0).command;
  EXPECT_TRUE(apply.starts_with("git apply <<'AGENTRACE_EOF"));
  EXPECT_NE(apply.find(agentrace::core::read_file(task.fix_patch)), std::string::npos);
  EXPECT_EQ(s.turns[1].tools.at(0).command, "git diff --stat");
  EXPECT_TRUE(s.turns[2].tools.empty());
}
