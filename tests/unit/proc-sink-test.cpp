// Sinks for a command's output (file, capped memory, lines) and one Process feeding them.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <chrono>
#include <sstream>
#include <string>

#include "core/fs.hpp"
#include "proc/sink.hpp"
#include "proc/spawn.hpp"

namespace agentrace::proc {
namespace {

using namespace std::chrono_literals;

TEST(FileSink, KeepsUpToTheCapAndCountsEverything) {
  core::TempDir tmp("sink-test");
  const auto path = tmp.path() / "sub" / "out.log";
  {
    FileSink sink(path, 5);
    sink.write("abc");
    EXPECT_FALSE(sink.truncated());
    sink.write("defg");
    EXPECT_TRUE(sink.truncated());
    EXPECT_EQ(sink.total(), 7u);
  }
  EXPECT_EQ(core::read_file(path), "abcde");
}

TEST(FileSink, WithoutAPathOnlyCounts) {
  FileSink sink({}, 2);
  sink.write("hello");
  EXPECT_EQ(sink.total(), 5u);
  EXPECT_TRUE(sink.truncated());
}

TEST(FileSink, TimesFileHasOneLinePerWriteThatKeptBytes) {
  core::TempDir tmp("sink-test");
  {
    FileSink sink(tmp.path() / "out", 4, tmp.path() / "times");
    sink.write("ab\n");
    sink.write("cd\n");
    sink.write("dropped");  // nothing kept: no line
  }
  std::istringstream times(core::read_file(tmp.path() / "times"));
  long long kept = 0, ns = 0, earlier = 0;
  times >> kept >> ns;
  EXPECT_EQ(kept, 3);
  earlier = ns;
  times >> kept >> ns;
  EXPECT_EQ(kept, 4);
  EXPECT_GE(ns, earlier);
  EXPECT_FALSE(times >> kept);
}

TEST(CappedMemorySink, KeepsAllThatFits) {
  CappedMemorySink sink(10);
  sink.write("short");
  EXPECT_EQ(sink.text(), "short");
  EXPECT_EQ(sink.total(), 5u);
}

TEST(CappedMemorySink, KeepsHeadAndTailWithANoteAcrossWrites) {
  CappedMemorySink sink(20);
  for (int i = 0; i < 10; ++i) sink.write(std::string(10, static_cast<char>('a' + i)));
  EXPECT_EQ(sink.total(), 100u);
  EXPECT_EQ(sink.text(), std::string(10, 'a') + "\n[... 80 bytes of output omitted ...]\n" + std::string(10, 'j'));
}

TEST(LineSink, HandsOutWholeLinesOnly) {
  LineSink sink;
  sink.write("one\ntw");
  EXPECT_EQ(sink.next_line(), "one");
  EXPECT_EQ(sink.next_line(), std::nullopt);
  sink.write("o\n\n");
  EXPECT_EQ(sink.next_line(), "two");
  EXPECT_EQ(sink.next_line(), "");
  EXPECT_EQ(sink.next_line(), std::nullopt);
}

SpawnSpec sh(const std::string& script) {
  SpawnSpec s;
  s.argv = {"sh", "-c", script};
  s.env = allowlisted_env();
  return s;
}

void pump_to_end(Process& p) {
  while (!p.try_wait()) p.pump(100ms);
  p.drain(200ms);
}

TEST(Process, OneSinkForBothStreamsMergesThem) {
  CappedMemorySink both(1000);
  Process p(sh("echo out; echo err >&2; exit 4"), both, &both, false);
  pump_to_end(p);
  EXPECT_EQ(both.text(), "out\nerr\n");
  EXPECT_EQ(WEXITSTATUS(p.status()), 4);
}

TEST(Process, TwoSinksKeepTheStreamsApart) {
  CappedMemorySink out(1000), err(1000);
  Process p(sh("echo out; echo err >&2"), out, &err, true);
  pump_to_end(p);
  EXPECT_EQ(out.text(), "out\n");
  EXPECT_EQ(err.text(), "err\n");
}

TEST(Process, WithoutAnErrSinkStderrGoesStraightToItsFile) {
  core::TempDir tmp("sink-test");
  auto spec = sh("echo out; echo err >&2");
  spec.stderr_path = tmp.path() / "err.log";
  LineSink lines;
  Process p(spec, lines, nullptr, false);
  pump_to_end(p);
  EXPECT_EQ(lines.next_line(), "out");
  EXPECT_EQ(core::read_file(spec.stderr_path), "err\n");
}

TEST(Process, StdinDataIsReadThenEndOfFile) {
  auto spec = sh("cat");
  spec.stdin_data = "secret\n";
  CappedMemorySink out(1000);
  Process p(spec, out, &out, false);
  pump_to_end(p);
  EXPECT_EQ(out.text(), "secret\n");
}

}  // namespace
}  // namespace agentrace::proc
