// `agentrace run --on slurm` against a real single-node Slurm cluster (Debian's slurm-wlm
// and munge, brought up in a private folder and torn down by the test): a job array of 4
// shards races oracle, nop and the built-in agent on a simulated endpoint; one shard is
// cancelled mid-attempt, a rerun is interrupted (Ctrl-C cancels its job), the next rerun
// finishes, and the race has exactly the attempt ids and grades of the same race run
// locally, with nothing left running.
#include <signal.h>
#include <unistd.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <chrono>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include "core/fs.hpp"
#include "proc/spawn.hpp"
#include "store/store.hpp"
#include "support/test-support.hpp"

namespace agentrace {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  for (auto waited = 0ms; waited < limit; waited += 100ms) {
    if (done()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return done();
}

// The processes whose command line holds `needle`.
std::vector<pid_t> processes_with(const std::string& needle) {
  std::vector<pid_t> out;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos || std::stoi(name) == getpid()) continue;
    std::ifstream cmdline(entry.path() / "cmdline", std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
    if (text.find(needle) != std::string::npos) out.push_back(std::stoi(name));
  }
  return out;
}

// munged, slurmctld and slurmd on a private folder and private ports
// (scripts/slurm-single-node, which bench/scale-out.sh uses too).
class SlurmCluster {
 public:
  explicit SlurmCluster(const fs::path& root) : root_(root) {
    setenv("SLURM_CONF", conf().c_str(), 1);
    up_ = script("up").exit_code == 0;
  }
  ~SlurmCluster() {
    test::run_command("scancel --user=root 2>/dev/null");
    script("down");
    unsetenv("SLURM_CONF");
  }
  bool up() const { return up_; }
  fs::path conf() const { return root_ / "slurm.conf"; }
  std::string log(const std::string& daemon) const {
    const auto file = root_ / "log" / (daemon + ".log");
    return fs::exists(file) ? core::read_file(file) : daemon + " wrote no log";
  }

 private:
  test::CommandResult script(const std::string& verb) const {
    return test::run_command(fmt::format("{} {} {}", (test::source_dir() / "scripts" / "slurm-single-node").string(), verb,
                                         root_.string()));
  }
  fs::path root_;
  bool up_ = false;
};

class Slurm : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* program : {"munged", "slurmctld", "slurmd", "sbatch"}) {
      if (!proc::find_program(program, "/usr/sbin:/usr/bin:/sbin:/bin"))
        GTEST_SKIP() << program << " is not installed (slurm-wlm, munge: scripts/setup installs them)";
    }
    if (geteuid() != 0) GTEST_SKIP() << "a private slurmd needs root";
    setenv("AGENTRACE_AGENTS_DIR", (test::source_dir() / "agents").c_str(), 0);
    core::write_file(race_file(), fmt::format(R"(name = "sharded"
suite = "{}"
tasks = ["sh-rotate-error-path", "py-csvkit-quoted-newline"]
[[contenders]]
name = "oracle"
scaffold = "oracle"
[[contenders]]
name = "nop"
scaffold = "nop"
[[contenders]]
name = "builtin-sim"
scaffold = "builtin"
model = "sim-model"
[contenders.endpoint]
sim = "zero"
)", (test::source_dir() / "suites" / "starter").string()));
  }
  fs::path race_file() const { return tmp.path() / "race.toml"; }
  fs::path db() const { return tmp.path() / "main.db"; }
  fs::path shared() const { return tmp.path() / "shared"; }
  std::vector<std::string> slurm_run() const {
    return {test::binary().string(), "run", race_file().string(), "--db", db().string(), "--on", "slurm",
            "--nodes", "4", "--shared", shared().string(), "-q"};
  }
  static std::map<std::string, std::optional<int>> grades(const fs::path& file) {
    store::Store s(file);
    std::map<std::string, std::optional<int>> out;
    for (const auto& a : s.attempts(s.races().at(0).id)) out[a.id] = a.state == store::AttemptState::done ? a.grade : -1;
    return out;
  }
  static std::string running_shard(const fs::path& dir) {
    for (int k = 0; k < 4; ++k) {
      const auto file = dir / fmt::format("shard-{}.db", k);
      if (!fs::exists(file)) continue;
      try {
        SQLite::Database d(file.string(), SQLite::OPEN_READONLY);
        if (d.execAndGet("SELECT count(*) FROM attempts WHERE state='running'").getInt() > 0) return std::to_string(k);
      } catch (const std::exception&) {  // still being created
      }
    }
    return "";
  }
  core::TempDir tmp{"slurm"};
};

TEST_F(Slurm, AShardedRaceWithAKilledShardAndARerunEqualsTheLocalRace) {
  std::optional<SlurmCluster> cluster;
  cluster.emplace(tmp.path() / "cluster");
  ASSERT_TRUE(cluster->up()) << cluster->log("munged") << cluster->log("slurmctld") << cluster->log("slurmd");
  setenv("AGENTRACE_NODE_WORK", (tmp.path() / "node").c_str(), 1);

  // First submission: one array task is cancelled while an attempt of it runs.
  const auto submit = shared() / "submit-1";
  test::Process first(slurm_run(), tmp.path() / "first.out", tmp.path() / "first.err");
  std::string shard;
  ASSERT_TRUE(eventually([&] { return fs::exists(submit / "job-id") && !(shard = running_shard(submit)).empty(); }, 120s))
      << core::read_file(tmp.path() / "first.err");
  const auto job = core::read_file(submit / "job-id");
  ASSERT_EQ(test::run_command(fmt::format("scancel {}_{}", job, shard)).exit_code, 0);
  EXPECT_EQ(first.wait(), 3) << core::read_file(tmp.path() / "first.err");
  const auto first_err = core::read_file(tmp.path() / "first.err");
  EXPECT_NE(first_err.find("unfinished"), std::string::npos) << first_err;
  EXPECT_NE(core::read_file(submit / fmt::format("shard-{}.log", shard)).find("interrupted"), std::string::npos);

  // Second: Ctrl-C right after submitting cancels its job.
  test::Process second(slurm_run(), tmp.path() / "second.out", tmp.path() / "second.err");
  ASSERT_TRUE(eventually([&] { return fs::exists(shared() / "submit-2" / "job-id"); }, 60s))
      << core::read_file(tmp.path() / "second.err");
  kill(second.pid(), SIGINT);
  EXPECT_EQ(second.wait(), 130) << core::read_file(tmp.path() / "second.err");
  const auto job2 = core::read_file(shared() / "submit-2" / "job-id");
  EXPECT_EQ(test::run_command("squeue -h -j " + job2 + " 2>/dev/null").out, "");

  // Third: only what is unfinished is sent again, and the race completes.
  const auto third = test::run_command(fmt::format("'{}' 2>&1", fmt::join(slurm_run(), "' '")));
  ASSERT_EQ(third.exit_code, 0) << third.out;
  EXPECT_EQ(third.out.find("submitted 6 attempts"), std::string::npos) << third.out;

  const auto local_db = tmp.path() / "local.db";
  const auto local = test::run_command(fmt::format("'{}' run '{}' --db '{}' -q 2>&1", test::binary().string(),
                                                   race_file().string(), local_db.string()));
  ASSERT_EQ(local.exit_code, 0) << local.out;
  const auto sharded = grades(db());
  EXPECT_EQ(sharded.size(), 6u);
  EXPECT_EQ(sharded, grades(local_db));
  store::Store s(db());
  std::set<std::string> jobs;  // where each attempt ran: "<array job>_<task>"
  for (const auto& a : s.attempts(s.races().at(0).id)) {
    EXPECT_TRUE(std::regex_match(a.job, std::regex("[0-9]+_[0-3]"))) << a.id << " ran in job '" << a.job << "'";
    jobs.insert(a.job.substr(0, a.job.find('_')));
  }
  EXPECT_TRUE(jobs.count(job)) << "the first submission's finished attempts are kept";
  EXPECT_GE(jobs.size(), 2u);
  const auto report = test::run_command(fmt::format("'{}' report --db '{}'", test::binary().string(), db().string()));
  EXPECT_NE(report.out.find("## Where attempts ran"), std::string::npos) << report.out;
  EXPECT_NE(report.out.find(fmt::format("| {}_", job)), std::string::npos) << report.out;
  EXPECT_NE(report.out.find("speed-up"), std::string::npos) << report.out;

  // Nothing of the race or the cluster is left: no worker, no daemon, no socket, no work folder.
  cluster.reset();
  EXPECT_TRUE(eventually([&] { return processes_with(tmp.path().string()).empty(); }, 15s))
      << processes_with(tmp.path().string()).size() << " processes left";
  EXPECT_FALSE(fs::exists(tmp.path() / "cluster" / "munge" / "munge.socket.2"));
  EXPECT_TRUE(!fs::exists(tmp.path() / "node") || fs::is_empty(tmp.path() / "node"));
}

}  // namespace
}  // namespace agentrace
