// The built-in agent's tools: exact unique edits, paths kept inside the working folder,
// output caps, bash exit codes and time-outs, listing without .git.
#include <chrono>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "agent/shell.hpp"
#include "agent/tools.hpp"
#include "core/fs.hpp"

namespace agent = agentrace::agent;
namespace core = agentrace::core;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::string args(const nlohmann::json& j) { return j.dump(); }

struct ToolsTest : ::testing::Test {
  core::TempDir dir{"agent-tools"};
  fs::path work = dir.path() / "repo";
  std::unique_ptr<agent::Tools> tools;
  void SetUp() override {
    fs::create_directories(work / "src");
    core::write_file(work / "src" / "a.txt", "one\ntwo\nthree\ntwo\n");
    tools = std::make_unique<agent::Tools>(work);
  }
  agent::ToolOutput run(const std::string& name, const nlohmann::json& j) { return tools->run(name, args(j)); }
};

TEST_F(ToolsTest, EditReplacesAUniqueMatch) {
  const auto out = run("edit", {{"path", "src/a.txt"}, {"old_string", "one\n"}, {"new_string", "1\n"}});
  EXPECT_FALSE(out.error) << out.text;
  EXPECT_EQ(core::read_file(work / "src/a.txt"), "1\ntwo\nthree\ntwo\n");
}

TEST_F(ToolsTest, EditRefusesAnAmbiguousOrMissingMatchAndLeavesTheFile) {
  auto out = run("edit", {{"path", "src/a.txt"}, {"old_string", "two"}, {"new_string", "2"}});
  EXPECT_TRUE(out.error);
  EXPECT_NE(out.text.find("occurs 2 times"), std::string::npos) << out.text;
  out = run("edit", {{"path", "src/a.txt"}, {"old_string", "four"}, {"new_string", "4"}});
  EXPECT_TRUE(out.error);
  EXPECT_NE(out.text.find("not found"), std::string::npos) << out.text;
  out = run("edit", {{"path", "src/a.txt"}, {"old_string", ""}, {"new_string", "4"}});
  EXPECT_TRUE(out.error);
  EXPECT_EQ(core::read_file(work / "src/a.txt"), "one\ntwo\nthree\ntwo\n");
}

TEST_F(ToolsTest, RefusesPathsThatLeaveTheWorkingFolder) {
  core::write_file(dir.path() / "secret.txt", "secret");
  fs::create_symlink(dir.path(), work / "escape");
  for (const std::string p : {"../secret.txt", "/etc/passwd", "escape/secret.txt", "src/../../secret.txt"}) {
    const auto out = run("read_file", {{"path", p}});
    EXPECT_TRUE(out.error) << p;
    EXPECT_NE(out.text.find("outside the repository folder"), std::string::npos) << out.text;
  }
  EXPECT_TRUE(run("write_file", {{"path", "../x.txt"}, {"content", "x"}}).error);
  EXPECT_FALSE(fs::exists(dir.path() / "x.txt"));
  EXPECT_TRUE(run("list_files", {{"path", ".."}}).error);
  const auto inside = run("read_file", {{"path", (work / "src/a.txt").string()}});
  EXPECT_FALSE(inside.error) << inside.text;
}

TEST_F(ToolsTest, ReadFileHonoursOffsetAndLimit) {
  EXPECT_EQ(run("read_file", {{"path", "src/a.txt"}}).text, "one\ntwo\nthree\ntwo\n");
  const auto out = run("read_file", {{"path", "src/a.txt"}, {"offset", 2}, {"limit", 2}});
  EXPECT_EQ(out.text, "two\nthree\n[lines 2-3 of 4; pass offset and limit to read other lines]");
  EXPECT_TRUE(run("read_file", {{"path", "src/a.txt"}, {"offset", 9}}).error);
  EXPECT_TRUE(run("read_file", {{"path", "nope.txt"}}).error);
  EXPECT_TRUE(run("read_file", {{"path", "src"}}).error);
}

TEST_F(ToolsTest, WriteFileCreatesFolders) {
  const auto out = run("write_file", {{"path", "new/dir/b.txt"}, {"content", "hello"}});
  EXPECT_FALSE(out.error) << out.text;
  EXPECT_EQ(core::read_file(work / "new/dir/b.txt"), "hello");
}

TEST_F(ToolsTest, ListFilesSkipsGitAndCaps) {
  fs::create_directories(work / ".git/objects");
  core::write_file(work / ".git/HEAD", "ref");
  EXPECT_EQ(run("list_files", nlohmann::json::object()).text, "src/\nsrc/a.txt\n");
  for (int i = 0; i < 20; ++i) core::write_file(work / "many" / ("f" + std::to_string(i)), "");
  tools->limits().list_entries = 5;
  const auto out = run("list_files", {{"path", "many"}});
  EXPECT_NE(out.text.find("[... 15 more entries not shown]"), std::string::npos) << out.text;
}

TEST_F(ToolsTest, BashReportsOutputAndExitCodeInTheFolder) {
  const auto out = run("bash", {{"command", "cat src/a.txt | wc -l; echo err >&2; exit 3"}});
  EXPECT_EQ(out.exit, 3);
  EXPECT_TRUE(out.error);
  EXPECT_EQ(out.text, "4\nerr\n[exit code 3]");
}

TEST_F(ToolsTest, BashOutputIsCappedWithANote) {
  tools->limits().output_cap = 1000;
  const auto out = run("bash", {{"command", "head -c 100000 /dev/zero | tr '\\0' x; echo; echo END"}});
  EXPECT_EQ(out.exit, 0);
  EXPECT_LT(out.text.size(), 1200u);
  EXPECT_NE(out.text.find("bytes of output omitted"), std::string::npos);
  EXPECT_NE(out.text.find("END\n[exit code 0]"), std::string::npos) << out.text;
}

TEST_F(ToolsTest, BashTimesOutAndKillsTheGroup) {
  tools->limits().bash_timeout = 300ms;
  const auto t0 = std::chrono::steady_clock::now();
  const auto out = run("bash", {{"command", "echo started; sleep 30; echo never"}});
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_TRUE(out.error);
  EXPECT_NE(out.text.find("started\n[timed out after"), std::string::npos) << out.text;
}

TEST_F(ToolsTest, BashDoesNotWaitForBackgroundJobs) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto out = run("bash", {{"command", "sleep 30 & echo bg"}});
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_EQ(out.text, "bg\n[exit code 0]");
}

TEST_F(ToolsTest, BadArgumentsAndUnknownToolsAreErrorsForTheModel) {
  auto out = tools->run("bash", "{not json");
  EXPECT_TRUE(out.error);
  EXPECT_NE(out.text.find("not valid JSON"), std::string::npos);
  out = run("bash", {{"cmd", "ls"}});
  EXPECT_NE(out.text.find("missing required string argument 'command'"), std::string::npos);
  out = run("grep", {{"pattern", "x"}});
  EXPECT_NE(out.text.find("unknown tool 'grep'"), std::string::npos);
}

TEST(AgentShell, CapMiddleKeepsHeadAndTail) {
  EXPECT_EQ(agent::cap_middle("short", 10), "short");
  const auto s = agent::cap_middle(std::string(50, 'a') + std::string(50, 'b'), 20);
  EXPECT_TRUE(s.starts_with(std::string(10, 'a')));
  EXPECT_TRUE(s.ends_with(std::string(10, 'b')));
  EXPECT_NE(s.find("80 bytes of output omitted"), std::string::npos) << s;
}

TEST(AgentTools, SpecsDescribeFiveTools) {
  std::vector<std::string> names;
  for (const auto& t : agent::tool_specs()) {
    names.push_back(t.name);
    EXPECT_EQ(t.parameters["type"], "object");
  }
  EXPECT_EQ(names, (std::vector<std::string>{"bash", "read_file", "write_file", "edit", "list_files"}));
}

}  // namespace
