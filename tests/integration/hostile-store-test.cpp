// Issue 15 §6, played by the attacker and by bad luck, through the real binary: kill -9
// of `agentrace run`, two runs on one race and store, a full disk under the store, a
// daemon that clears its environment under --sandbox none, and errors that name what
// to fix.
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/fs.hpp"
#include "store/store.hpp"
#include "support/test-support.hpp"

namespace agentrace {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Neither gone nor a zombie (whose reaper may not be us).
bool alive(pid_t pid) {
  std::ifstream stat(fmt::format("/proc/{}/stat", pid));
  std::string line;
  if (!std::getline(stat, line)) return false;
  const auto paren = line.rfind(')');
  return paren != std::string::npos && line.size() > paren + 2 && line[paren + 2] != 'Z';
}

// The processes whose command line (arguments separated by '\0') holds `needle`, and
// whose parent is `parent` when given; zombies are gone already.
std::vector<pid_t> processes_with(const std::string& needle, pid_t parent = 0) {
  std::vector<pid_t> out;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream cmdline(entry.path() / "cmdline", std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    std::getline(stat, line);
    const auto paren = line.rfind(')');
    if (paren == std::string::npos || line.size() < paren + 4 || line[paren + 2] == 'Z') continue;
    const bool child = parent == 0 || std::stoi(line.substr(paren + 4)) == parent;
    if (child && text.find(needle) != std::string::npos) out.push_back(std::stoi(name));
  }
  return out;
}

// Polls `done` every 50 ms for up to `limit`; machines are loaded, so limits are generous.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit = 30s) {
  for (auto waited = 0ms; waited < limit; waited += 50ms) {
    if (done()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return done();
}

// `agentrace run` in the background, by its own pid (no shell in between).
pid_t start_run(const std::vector<std::string>& args, const fs::path& err) {
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 2);
    const int null = ::open("/dev/null", O_WRONLY);
    dup2(null, 1);
    std::vector<char*> argv;
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

class HostileStore : public ::testing::Test {
 protected:
  fs::path suite() const { return test::data_dir() / "suites" / "tiny"; }
  fs::path db() const { return tmp.path() / "results.db"; }
  // A word in the command line of every process the attacker starts (and in no path).
  std::string marker() const { return "evil" + tmp.path().filename().string(); }

  // One command contender: `bash -c SCRIPT MARKER` ($0 is the marker).
  fs::path race_file(const std::string& sandbox, const std::string& script, const std::string& extra,
                     const std::string& contender_extra = "") {
    const auto file = tmp.path() / "race.toml";
    core::write_file(file, fmt::format("name = \"hostile\"\nsuite = \"{}\"\nsandbox = \"{}\"\n{}\n"
                                       "[[contenders]]\nname = \"attacker\"\nscaffold = \"command\"\n"
                                       "command = [\"bash\", \"-c\", '{}', \"{}\"]\n{}\n",
                                       suite().string(), sandbox, extra, script, marker(), contender_extra));
    return file;
  }
  std::vector<std::string> run_args(const fs::path& race, const fs::path& store,
                                    const std::vector<std::string>& more = {}) {
    std::vector<std::string> a = {test::binary().string(), "run", race.string(), "--db", store.string(), "-q"};
    a.insert(a.end(), more.begin(), more.end());
    return a;
  }
  test::CommandResult run(const std::vector<std::string>& args) {
    std::string cmd;
    for (const auto& a : args) cmd += "'" + a + "' ";
    return test::run_command(cmd);
  }
  std::vector<store::AttemptRecord> attempts(const fs::path& store) {
    store::Store s(store);
    const auto races = s.races();
    return races.empty() ? std::vector<store::AttemptRecord>{} : s.attempts(races.back().id);
  }

  core::TempDir tmp{"hostile-store"};
};

// A small tmpfs of our own (we are root); unmounted at the end.
class Mount {
 public:
  Mount(const fs::path& dir, const std::string& options) : dir_(dir) {
    fs::create_directories(dir);
    ok_ = mount("tmpfs", dir.c_str(), "tmpfs", 0, options.c_str()) == 0;
  }
  ~Mount() {
    if (ok_) umount2(dir_.c_str(), MNT_DETACH);
  }
  bool ok() const { return ok_; }

 private:
  fs::path dir_;
  bool ok_ = false;
};

class KillNine : public HostileStore, public ::testing::WithParamInterface<std::string> {};

TEST_P(KillNine, LeavesNoProcessAndTheNextRunRedoesOnlyTheKilledAttempt) {
  // Each attempt starts a daemon that clears its environment and leaves group and
  // session, then waits; the race also runs a simulated endpoint (`agentrace sim`).
  const std::string hang = "(env -i setsid bash -c \"sleep 1000; true\" \"$0\" </dev/null >/dev/null 2>&1 &); "
                           "bash -c \"sleep 1000; true\" \"$0\"";
  const auto race = race_file(GetParam(), hang, "repeats = 3\njobs = 1",
                               "[contenders.endpoint]\nsim = \"zero\"");
  const auto err = tmp.path() / "first.err";
  const pid_t run_pid = start_run(run_args(race, db(), {"--agent-seconds", "3"}), err);
  // Kill while the second attempt runs: the first is stored, its processes are gone.
  const bool second_running = eventually([&] {
    if (!fs::exists(db())) return false;
    int finished = 0;
    try {
      for (const auto& a : attempts(db())) finished += a.state == store::AttemptState::timed_out;
    } catch (const std::exception&) {
      return false;
    }
    return finished == 1 && processes_with(std::string("sleep 1000; true\0", 17) + marker()).size() == 2;
  }, 90s);
  ASSERT_TRUE(second_running) << core::read_file(err);
  const auto sims = processes_with(std::string("\0sim\0--listen\0", 14), run_pid);
  ASSERT_EQ(sims.size(), 1u) << "the race's simulated endpoint";
  const auto socket_dir = tmp.path() / "agentrace-work" / "run" / fmt::format("sock-{}", run_pid);
  ASSERT_TRUE(fs::exists(socket_dir));

  kill(run_pid, SIGKILL);
  EXPECT_EQ(wait_exit(run_pid), 128 + SIGKILL);
  EXPECT_TRUE(eventually([&] { return processes_with(marker()).empty(); }, 10s))
      << "left behind: " << processes_with(marker()).size() << " processes of the killed run";
  EXPECT_TRUE(eventually([&] { return processes_with(race.string()).empty(); }, 10s))
      << "a process of the killed run (a fork of it) is left";
  EXPECT_TRUE(eventually([&] { return !alive(sims[0]); }, 10s))
      << "agentrace sim " << sims[0] << " outlived the killed run";
  EXPECT_TRUE(fs::exists(socket_dir));  // nothing can remove it at kill -9

  const auto again = run(run_args(race, db(), {"--agent-seconds", "1"}));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_FALSE(fs::exists(socket_dir)) << "the dead run's socket folder is still there";
  EXPECT_NE(again.err.find("1 already finished, 2 run now"), std::string::npos) << again.err;
  int runs = 0;
  for (const auto& a : attempts(db())) {
    EXPECT_EQ(a.state, store::AttemptState::timed_out) << a.id << " " << a.failure_detail;
    runs += a.runs;
  }
  EXPECT_EQ(runs, 4);  // three attempts, the killed one twice
  EXPECT_TRUE(processes_with(marker()).empty());
}

INSTANTIATE_TEST_SUITE_P(Sandbox, KillNine, ::testing::Values("bwrap", "none"));

TEST_F(HostileStore, TwoRunsOnOneRaceShareItsAttemptsAndRunEachOnce) {
  // Without a sandbox the agent can write here: one line per run of an attempt.
  const auto log = tmp.path() / "runs.log";
  const auto race = race_file("none", fmt::format("echo $PWD >> {}; sleep 0.5", log.string()), "repeats = 8\njobs = 2\n");
  const pid_t first = start_run(run_args(race, db()), tmp.path() / "a.err");
  const pid_t second = start_run(run_args(race, db()), tmp.path() / "b.err");
  EXPECT_EQ(wait_exit(first), 0) << core::read_file(tmp.path() / "a.err");
  EXPECT_EQ(wait_exit(second), 0) << core::read_file(tmp.path() / "b.err");
  int ran = 0;  // each says how many it ran: together, every attempt once
  for (const char* err : {"a.err", "b.err"}) {
    std::smatch m;
    const auto text = core::read_file(tmp.path() / err);
    ASSERT_TRUE(std::regex_search(text, m, std::regex("(\\d+) run now"))) << text;
    ran += std::stoi(m[1]);
  }
  EXPECT_EQ(ran, 8);

  std::map<std::string, int> per_attempt;
  std::ifstream in(log);
  for (std::string line; std::getline(in, line);) ++per_attempt[line];
  EXPECT_EQ(per_attempt.size(), 8u);
  for (const auto& [workspace, n] : per_attempt) EXPECT_EQ(n, 1) << workspace << " ran " << n << " times";
  const auto shared = attempts(db());
  ASSERT_EQ(shared.size(), 8u);
  for (const auto& a : shared) {
    EXPECT_EQ(a.state, store::AttemptState::done) << a.failure_detail;
    EXPECT_EQ(a.runs, 1);
  }
  // The same race run alone gives the same attempts and grades.
  const auto alone_db = tmp.path() / "alone.db";
  ASSERT_EQ(run(run_args(race, alone_db)).exit_code, 0);
  const auto alone = attempts(alone_db);
  ASSERT_EQ(alone.size(), shared.size());
  for (std::size_t i = 0; i < alone.size(); ++i) {
    EXPECT_EQ(alone[i].id, shared[i].id);
    EXPECT_EQ(alone[i].grade, shared[i].grade);
    EXPECT_EQ(alone[i].diff, shared[i].diff);
  }
  // The per-attempt report up to the timings (attempt, task, contender, repeat, state,
  // grades, grade detail) is the same too.
  const auto report = [&](const fs::path& store) {
    const auto csv = run({test::binary().string(), "report", "--db", store.string(), "--attempts", "--format", "csv"});
    std::istringstream in(csv.out);
    std::string out;
    for (std::string line; std::getline(in, line);) {
      std::size_t end = 0;
      for (int field = 0; field < 11 && end != std::string::npos; ++field) end = line.find(',', end + 1);
      out += line.substr(0, end) + "\n";
    }
    return out;
  };
  const auto shared_report = report(db());
  EXPECT_EQ(std::count(shared_report.begin(), shared_report.end(), '\n'), 9);
  EXPECT_EQ(shared_report, report(alone_db));
}

TEST_F(HostileStore, AFullDiskUnderTheStoreIsAClearErrorAndLosesNothing) {
  const auto disk = tmp.path() / "disk";
  Mount mount(disk, "size=8m");
  if (!mount.ok()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  const auto store = disk / "results.db";
  // The third attempt fills the disk the store is on.
  const auto count = tmp.path() / "count";
  const auto race = race_file("none", fmt::format("echo x >> {0}; if [ $(wc -l < {0}) -eq 3 ]; then "
                                                  "head -c 100M /dev/zero > {1}/fill; fi; true",
                                                  count.string(), disk.string()),
                              "repeats = 5\njobs = 1\n");
  const auto work = (tmp.path() / "work").string();
  const auto full = run(run_args(race, store, {"--work", work}));
  EXPECT_EQ(full.exit_code, 1) << full.err;
  EXPECT_NE(full.err.find("error: results store " + store.string() + ": database or disk is full"), std::string::npos)
      << full.err;
  EXPECT_EQ(full.err.find("terminate called"), std::string::npos) << full.err;

  // Still full: the two finished attempts can be read.
  const auto report = run({test::binary().string(), "report", "--db", store.string(), "--attempts"});
  EXPECT_EQ(report.exit_code, 0) << report.err;
  int done = 0;
  for (const auto& a : attempts(store)) done += a.state == store::AttemptState::done;
  EXPECT_EQ(done, 2);

  fs::remove(disk / "fill");
  const auto again = run(run_args(race, store, {"--work", work}));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("2 already finished, 3 run now"), std::string::npos) << again.err;
  int runs = 0;
  for (const auto& a : attempts(store)) {
    EXPECT_EQ(a.state, store::AttemptState::done);
    runs += a.runs;
  }
  EXPECT_EQ(runs, 6);  // the attempt whose result could not be stored ran again
}

TEST_F(HostileStore, SandboxNoneSaysSoAndEndsADaemonWithAClearedEnvironment) {
  const auto race = race_file("none", "(env -i setsid bash -c \"sleep 1000; true\" \"$0\" </dev/null >/dev/null 2>&1 &)",
                              "");
  const auto r = run(run_args(race, db()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: --sandbox none: agents run as this user, unisolated"), std::string::npos) << r.err;
  EXPECT_TRUE(eventually([&] { return processes_with(marker()).empty(); }, 5s))
      << processes_with(marker()).size() << " daemon(s) outlived the attempt";
  EXPECT_EQ(attempts(db()).at(0).state, store::AttemptState::done);
}

TEST_F(HostileStore, AStoreThatIsNotADatabaseIsNamed) {
  core::write_file(db(), std::string(8192, 'x'));
  const auto race = race_file("none", "true", "");
  for (const auto& args : {run_args(race, db()), std::vector<std::string>{test::binary().string(), "report", "--db",
                                                                           db().string()}}) {
    const auto r = run(args);
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("error: results store " + db().string() + ": file is not a database (not an agentrace store"),
              std::string::npos)
        << r.err;
  }
}

TEST_F(HostileStore, AReadOnlyStoreOrFolderIsNamed) {
  const auto ro = tmp.path() / "ro";
  const auto race = race_file("none", "true", "");
  const auto store = ro / "results.db";
  {
    Mount mount(ro, "size=8m");
    if (!mount.ok()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
    ASSERT_EQ(run(run_args(race, store, {"--work", (tmp.path() / "work").string()})).exit_code, 0);
    ASSERT_EQ(::mount(nullptr, ro.c_str(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr), 0);
    const auto existing = run(run_args(race, store, {"--work", (tmp.path() / "work").string()}));
    EXPECT_EQ(existing.exit_code, 1) << existing.err;
    EXPECT_NE(existing.err.find("error: results store " + store.string() + ": "), std::string::npos) << existing.err;
    EXPECT_NE(existing.err.find("agentrace needs to write the file and its folder"), std::string::npos)
        << existing.err;
    const auto fresh = run(run_args(race, ro / "new.db", {"--work", (tmp.path() / "work").string()}));
    EXPECT_EQ(fresh.exit_code, 1) << fresh.err;
    EXPECT_NE(fresh.err.find("error: results store " + (ro / "new.db").string() + ": "), std::string::npos)
        << fresh.err;
  }
}

TEST_F(HostileStore, AnUnknownTaskInTheRaceFileIsNamedThere) {
  const auto file = race_file("none", "true", "tasks = [\"shell-sum\", \"nope\"]");
  const auto r = run(run_args(file, db()));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(file.string() + ":4:9: 'tasks': no such task 'nope' in " + suite().string()),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("--task"), std::string::npos) << r.err;
  const auto flag = run(run_args(file, db(), {"--task", "ghost"}));
  EXPECT_EQ(flag.exit_code, 2);
  EXPECT_NE(flag.err.find("--task ghost: no such task in " + suite().string()), std::string::npos) << flag.err;
}

}  // namespace
}  // namespace agentrace
