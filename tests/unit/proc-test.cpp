// Spawning: exit status, captured and capped output, timeouts, nothing outliving run(),
// an explicit environment.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "proc/child.hpp"
#include "proc/spawn.hpp"

namespace agentrace::proc {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A process is gone when it no longer exists or is a zombie waiting for a reaper that
// is not us (its parent was PID 1 in a container).
bool gone(pid_t pid) {
  if (kill(pid, 0) != 0) return errno == ESRCH;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const auto close = line.rfind(')');
  return close != std::string::npos && line.size() > close + 2 && line[close + 2] == 'Z';
}

// SIGKILL is delivered asynchronously: allow a moment for the process to die.
bool gone_soon(pid_t pid) {
  for (int i = 0; i < 100; ++i) {
    if (gone(pid)) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

pid_t read_pid(const fs::path& file) {
  std::istringstream in(core::read_file(file));
  pid_t pid = 0;
  in >> pid;
  return pid;
}

class Proc : public ::testing::Test {
 protected:
  SpawnSpec sh(const std::string& script) {
    SpawnSpec s;
    s.argv = {"sh", "-c", script};
    s.env = allowlisted_env();
    s.stdout_path = out();
    s.stderr_path = err();
    return s;
  }
  // Runs `start` (which starts a daemon that writes its pid to PIDFILE) and then waits
  // for the pid: once run() is back, the daemon must be gone, counted as a leftover.
  void expect_daemon_ended(std::string start) {
    const auto pidfile = tmp_.path() / "daemon.pid";
    start.replace(start.find("PIDFILE"), 7, pidfile.string());
    const auto r = run(sh(start + "\nwhile [ ! -s " + pidfile.string() + " ]; do sleep 0.01; done"));
    EXPECT_EQ(r.exit_code, 0);
    const pid_t pid = read_pid(pidfile);
    ASSERT_GT(pid, 1);
    EXPECT_TRUE(gone_soon(pid)) << "daemon " << pid << " outlived run()";
    EXPECT_GE(r.leftovers_killed, 1);
  }
  fs::path out() const { return tmp_.path() / "out.log"; }
  fs::path err() const { return tmp_.path() / "err.log"; }
  core::TempDir tmp_{"proc-test"};
};

TEST_F(Proc, ExitCodeIsReported) {
  const auto r = run(sh("exit 3"));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.term_signal, 0);
  EXPECT_FALSE(r.timed_out);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.describe(), "exit 3");
  const auto ok = run(sh("true"));
  EXPECT_EQ(ok.exit_code, 0);
  EXPECT_TRUE(ok.ok());
}

TEST_F(Proc, DeathBySignalIsReported) {
  const auto r = run(sh("kill -KILL $$"));
  EXPECT_EQ(r.term_signal, SIGKILL);
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.describe().rfind("killed by signal 9", 0), 0u) << r.describe();
}

TEST_F(Proc, StdoutAndStderrAreCapturedApart) {
  const auto r = run(sh("echo to-out; echo to-err >&2; printf more"));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(core::read_file(out()), "to-out\nmore");
  EXPECT_EQ(core::read_file(err()), "to-err\n");
  EXPECT_EQ(r.stdout_bytes, 11u);
  EXPECT_EQ(r.stderr_bytes, 7u);
  EXPECT_FALSE(r.stdout_truncated);
  EXPECT_FALSE(r.stderr_truncated);
}

TEST_F(Proc, StdinIsEmpty) {
  const auto r = run(sh("wc -c"));
  EXPECT_EQ(r.exit_code, 0);
  auto text = core::read_file(out());
  std::erase(text, ' ');
  EXPECT_EQ(text, "0\n");
}

// fd3_path: a host file as the command's fd 3 (the relay's rusage channel), emptied first;
// no other descriptor of ours past it.
TEST_F(Proc, Fd3IsTheGivenFileAndNothingElseIsInherited) {
  const auto file = tmp_.path() / "fd3.json";
  core::write_file(file, "stale bytes that must go");
  auto spec = sh("echo through-3 >&3; ls /proc/self/fd | sort -n | tr '\\n' ' '");
  spec.fd3_path = file;
  const auto r = run(spec);
  EXPECT_EQ(r.exit_code, 0) << core::read_file(err());
  EXPECT_EQ(core::read_file(file), "through-3\n");
  EXPECT_EQ(core::read_file(out()), "0 1 2 3 4 ") << "4 is ls's own listing of /proc/self/fd";
  const auto none = run(sh("echo x >&3"));
  EXPECT_NE(none.exit_code, 0) << "without fd3_path there is no fd 3";
}

TEST_F(Proc, RunsInTheGivenFolder) {
  fs::create_directories(tmp_.path() / "work");
  auto spec = sh("pwd");
  spec.cwd = tmp_.path() / "work";
  run(spec);
  EXPECT_EQ(core::read_file(out()), fs::canonical(tmp_.path() / "work").string() + "\n");
}

TEST_F(Proc, OutputCapTruncatesButCountsEverything) {
  auto spec = sh("head -c 5242880 /dev/zero; echo small >&2");
  spec.output_cap = 1u << 20;
  const auto r = run(spec);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(fs::file_size(out()), 1u << 20);
  EXPECT_EQ(r.stdout_bytes, 5u << 20);
  EXPECT_TRUE(r.stdout_truncated);
  EXPECT_FALSE(r.stderr_truncated);
  EXPECT_EQ(core::read_file(err()), "small\n");
}

TEST_F(Proc, OutputWithoutAFileIsDrainedAndCounted) {
  auto spec = sh("head -c 3000000 /dev/zero");
  spec.stdout_path.clear();
  const auto r = run(spec);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.stdout_bytes, 3000000u);
}

TEST_F(Proc, TimeoutEndsTheCommandWithTerm) {
  SpawnSpec spec;
  spec.argv = {"sleep", "100"};
  spec.env = allowlisted_env();
  spec.timeout = 300ms;
  spec.kill_grace = 1000ms;
  const auto r = run(spec);
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.term_signal, SIGTERM);
  EXPECT_GE(r.wall_s, 0.3);
  EXPECT_LT(r.wall_s, 0.3 + 1.0);  // TERM ends sleep at once: well inside the grace
  EXPECT_EQ(r.describe().rfind("timed out after", 0), 0u) << r.describe();
}

TEST_F(Proc, TimeoutKillsACommandThatIgnoresTerm) {
  // An ignored signal stays ignored across exec, so sleep ignores TERM too.
  auto spec = sh("trap '' TERM; sleep 100; true");
  spec.timeout = 300ms;
  spec.kill_grace = 500ms;
  const auto r = run(spec);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.term_signal, SIGKILL);
  EXPECT_GE(r.wall_s, 0.3 + 0.5);
  EXPECT_LT(r.wall_s, 0.3 + 0.5 + 1.0);
}

TEST_F(Proc, SetsidDaemonIsGoneAfterRun) {
  const auto pidfile = tmp_.path() / "daemon.pid";
  // The daemon leaves the process group (setsid) and keeps stdout open; the leader
  // waits until the daemon wrote its pid, then exits.
  const auto started = core::Clock::now();
  const auto r = run(sh("setsid sh -c 'echo $$ > " + pidfile.string() + "; exec sleep 300' & " +
                        "while [ ! -s " + pidfile.string() + " ]; do sleep 0.01; done"));
  const double took = core::seconds_between(started, core::Clock::now());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_LT(took, 2.0);  // run() did not wait for the daemon's stdout to close
  const pid_t pid = read_pid(pidfile);
  ASSERT_GT(pid, 1);
  EXPECT_TRUE(gone_soon(pid)) << "daemon " << pid << " outlived run()";
  EXPECT_GE(r.leftovers_killed, 1);
}

TEST_F(Proc, DoubleForkedNohupChildIsGoneAfterRun) {
  expect_daemon_ended("( nohup sh -c 'echo $$ > PIDFILE; exec sleep 300' >/dev/null 2>&1 & )");
}

TEST_F(Proc, DaemonEscapingGroupAndSessionIsGoneAfterRun) {
  expect_daemon_ended("( setsid nohup sh -c 'echo $$ > PIDFILE; exec sleep 300' </dev/null >/dev/null 2>&1 & )");
}

TEST_F(Proc, DaemonWithAClearedEnvironmentIsGoneAfterRun) {
  // No variable of ours survives `env -i`, and setsid leaves group and session.
  expect_daemon_ended("env -i setsid /bin/sh -c 'echo $$ > PIDFILE; exec /bin/sleep 300' </dev/null >/dev/null 2>&1 &");
}

TEST_F(Proc, EnvironmentIsExactlyWhatWasGiven) {
  SpawnSpec spec;
  spec.argv = {"/usr/bin/env"};
  spec.env = {{"FOO", "bar baz"}, {"PATH", "/usr/bin:/bin"}};
  spec.stdout_path = out();
  const auto r = run(spec);
  ASSERT_EQ(r.exit_code, 0);
  std::istringstream in(core::read_file(out()));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::sort(lines.begin(), lines.end());
  ASSERT_EQ(lines.size(), 2u) << core::read_file(out());
  EXPECT_EQ(lines[0], "FOO=bar baz");
  EXPECT_EQ(lines[1], "PATH=/usr/bin:/bin");
}

// Forks a caller that runs `body`, waits until `files` are written, kills the caller
// with SIGKILL (as `kill -9 agentrace`) and returns the pids the files hold.
std::vector<pid_t> kill_caller_of(const std::function<void()>& body, const std::vector<fs::path>& files) {
  const pid_t caller = fork();
  if (caller == 0) {
    body();
    _exit(0);
  }
  std::vector<pid_t> pids;
  for (const auto& f : files) {
    const auto written = [&] { return fs::exists(f) && read_pid(f) > 0; };
    for (int i = 0; i < 1000 && !written(); ++i) std::this_thread::sleep_for(10ms);
    pids.push_back(written() ? read_pid(f) : -1);
  }
  kill(caller, SIGKILL);
  waitpid(caller, nullptr, 0);
  return pids;
}

TEST_F(Proc, CommandAndWhatItLeftDieWithAKilledCaller) {
  const auto leader = tmp_.path() / "leader.pid", daemon = tmp_.path() / "daemon.pid";
  const auto spec = sh("echo $$ > " + leader.string() + "; (setsid sh -c 'echo $$ > " + daemon.string() +
                       "; exec sleep 300' </dev/null >/dev/null 2>&1 &); sleep 300");
  for (const pid_t pid : kill_caller_of([&] { run(spec); }, {leader, daemon})) {
    ASSERT_GT(pid, 1);
    EXPECT_TRUE(gone_soon(pid)) << pid << " outlived the process that ran it";
  }
}

TEST_F(Proc, ChildDiesWithAKilledParent) {
  const auto pidfile = tmp_.path() / "child.pid";
  const auto body = [&] {
    SpawnSpec spec;
    spec.argv = {"sh", "-c", "echo $$; exec sleep 300"};
    spec.env = allowlisted_env();
    Child child(spec);
    core::write_file(pidfile, child.read_line(10s) + "\n");
    pause();
  };
  const auto pids = kill_caller_of(body, {pidfile});
  ASSERT_GT(pids.at(0), 1);
  EXPECT_TRUE(gone_soon(pids.at(0))) << "the child outlived its killed parent";
}

TEST_F(Proc, AllowlistedEnvironmentHasAPath) {
  const auto env = allowlisted_env();
  ASSERT_TRUE(env.count("PATH"));
  EXPECT_FALSE(env.at("PATH").empty());
  for (const auto& [k, v] : env) {
    EXPECT_TRUE(k == "PATH" || k == "LANG" || k == "LC_ALL" || k == "TZ" || k == "TERM") << k;
  }
}

TEST_F(Proc, MissingProgramThrowsInfraError) {
  SpawnSpec spec;
  spec.argv = {"agentrace-no-such-program"};
  spec.env = {{"PATH", "/usr/bin:/bin"}};
  try {
    run(spec);
    FAIL() << "no error";
  } catch (const core::InfraError& e) {
    EXPECT_NE(std::string(e.what()).find("'agentrace-no-such-program' not found on PATH"), std::string::npos)
        << e.what();
  }
}

TEST_F(Proc, MissingProgramPathThrowsInfraError) {
  SpawnSpec spec;
  spec.argv = {(tmp_.path() / "absent").string()};
  spec.env = allowlisted_env();
  try {
    run(spec);
    FAIL() << "no error";
  } catch (const core::InfraError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot run"), std::string::npos) << e.what();
  }
}

// Child starts through the same fork + exec as run(): a helper that cannot start says so
// at once, and one that starts hands over its first line.
TEST_F(Proc, ChildSaysWhyItCannotStartAndReadsTheFirstLine) {
  SpawnSpec missing;
  missing.argv = {(tmp_.path() / "absent").string()};
  missing.env = allowlisted_env();
  try {
    Child child(missing);
    FAIL() << "no error";
  } catch (const core::InfraError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot run"), std::string::npos) << e.what();
  }
  SpawnSpec echo;
  echo.argv = {"sh", "-c", "echo listening on 1234; exec sleep 30"};
  echo.env = allowlisted_env();
  Child child(echo);
  EXPECT_EQ(child.read_line(std::chrono::seconds(10)), "listening on 1234");
  child.stop();
}

TEST_F(Proc, EmptyCommandLineThrowsInfraError) {
  EXPECT_THROW(run(SpawnSpec{}), core::InfraError);
}

TEST_F(Proc, MissingFolderThrowsInfraError) {
  auto spec = sh("true");
  spec.cwd = tmp_.path() / "absent";
  EXPECT_THROW(run(spec), core::InfraError);
}

}  // namespace
}  // namespace agentrace::proc
