// Local workers of one race, through the real binary: two workers of one plan on one
// store run each attempt once; a worker killed with kill -9 loses only its in-flight
// attempt, which the other worker, still running, then finishes; shard stores merge into
// the race a single local run gives.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <chrono>
#include <fstream>
#include <map>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/fs.hpp"
#include "core/host.hpp"
#include "store/store.hpp"
#include "support/test-support.hpp"

namespace agentrace {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class Workers : public ::testing::Test {
 protected:
  // A command contender that logs its workspace once per run of an attempt, then sleeps.
  void SetUp() override {
    core::write_file(race_file(), fmt::format("name = \"workers\"\nsuite = \"{}\"\nsandbox = \"none\"\nrepeats = 6\n"
                                              "[[contenders]]\nname = \"slow\"\nscaffold = \"command\"\n"
                                              "command = [\"bash\", \"-c\", 'echo $PWD >> {}; sleep {}']\n",
                                              (test::data_dir() / "suites" / "tiny").string(), log().string(), 1));
    const auto r = run({"run", race_file().string(), "--db", db().string(), "--plan-only", plan().string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  fs::path race_file() const { return tmp.path() / "race.toml"; }
  fs::path plan() const { return tmp.path() / "plan.json"; }
  fs::path db() const { return tmp.path() / "race.db"; }
  fs::path log() const { return tmp.path() / "runs.log"; }
  std::vector<std::string> worker(const std::string& shard, const fs::path& store) const {
    return {test::binary().string(), "worker", "--plan", plan().string(), "--shard", shard, "--db", store.string(),
            "--work", (tmp.path() / "work").string()};
  }
  test::CommandResult run(const std::vector<std::string>& args) const {
    std::string cmd = "'" + test::binary().string() + "'";
    for (const auto& a : args) cmd += " '" + a + "'";
    return test::run_command(cmd);
  }
  std::map<std::string, int> runs_per_workspace() const {
    std::map<std::string, int> n;
    std::ifstream in(log());
    for (std::string line; std::getline(in, line);) ++n[line];
    return n;
  }
  // state and runs of each attempt
  std::map<std::string, std::pair<std::string, int>> attempts(const fs::path& store) const {
    SQLite::Database d(store.string(), SQLite::OPEN_READONLY);
    SQLite::Statement q(d, "SELECT id, state, runs FROM attempts");
    std::map<std::string, std::pair<std::string, int>> out;
    while (q.executeStep()) out[q.getColumn(0).getString()] = {q.getColumn(1).getString(), q.getColumn(2).getInt()};
    return out;
  }
  core::TempDir tmp{"workers"};
};

TEST_F(Workers, AWorkerKilledWithKillNineLosesOnlyItsAttemptWhichTheOtherFinishes) {
  test::Process a(worker("0/1", db()), "", tmp.path() / "a.err");
  test::Process b(worker("0/1", db()), "", tmp.path() / "b.err");
  // Kill a while it runs an attempt (a lease it holds in the store).
  const auto holds_one = [&] {
    try {
      SQLite::Database d(db().string(), SQLite::OPEN_READONLY);
      SQLite::Statement q(d, "SELECT count(*) FROM attempts WHERE state='running' AND owner LIKE ?");
      q.bind(1, fmt::format("{}:{}:%", core::host_name(), a.pid()));
      return q.executeStep() && q.getColumn(0).getInt() == 1;
    } catch (const std::exception&) {
      return false;
    }
  };
  bool caught = false;
  for (int i = 0; i < 600 && !caught; ++i) {
    caught = holds_one();
    if (!caught) std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(caught) << core::read_file(tmp.path() / "a.err");
  kill(a.pid(), SIGKILL);
  EXPECT_EQ(a.wait(), 128 + SIGKILL);
  EXPECT_EQ(b.wait(), 0) << core::read_file(tmp.path() / "b.err");

  int total_runs = 0, twice = 0;
  for (const auto& [id, s] : attempts(db())) {
    EXPECT_EQ(s.first, "done") << id;
    total_runs += s.second;
    twice += s.second == 2;
  }
  EXPECT_EQ(total_runs, 7);  // six attempts, the killed one twice
  EXPECT_EQ(twice, 1);
  const auto logged = runs_per_workspace();
  EXPECT_EQ(logged.size(), 6u);
}

TEST_F(Workers, ShardStoresMergeIntoTheRaceOfOneLocalRunAndMergingTwiceChangesNothing) {
  const auto s0 = tmp.path() / "s0.db", s1 = tmp.path() / "s1.db";
  test::Process w0(worker("0/2", s0), "", tmp.path() / "w0.err");
  test::Process w1(worker("1/2", s1), "", tmp.path() / "w1.err");
  ASSERT_EQ(w0.wait(), 0) << core::read_file(tmp.path() / "w0.err");
  ASSERT_EQ(w1.wait(), 0) << core::read_file(tmp.path() / "w1.err");
  EXPECT_EQ(attempts(s0).size(), 3u);
  EXPECT_EQ(attempts(s1).size(), 3u);
  for (const auto& [workspace, n] : runs_per_workspace()) EXPECT_EQ(n, 1) << workspace;

  const auto merged = tmp.path() / "merged.db";
  ASSERT_EQ(run({"merge", "--db", merged.string(), s0.string(), s1.string()}).exit_code, 0);
  const auto again = run({"merge", "--db", merged.string(), s0.string(), s1.string()});
  EXPECT_NE(again.err.find("0 attempts added, 0 replaced by a further copy, 0 conflicting copies"), std::string::npos)
      << again.err;
  const auto report = [&](const fs::path& store) {
    return run({"report", "--db", store.string(), "--attempts", "--format", "csv"});
  };
  const auto once = report(merged);
  ASSERT_EQ(once.exit_code, 0) << once.err;
  EXPECT_EQ(report(merged).out, once.out);

  const auto local = tmp.path() / "local.db";
  ASSERT_EQ(run({"run", race_file().string(), "--db", local.string(), "-q"}).exit_code, 0);
  std::map<std::string, std::string> by_merge, by_local;
  for (const auto& [id, s] : attempts(merged)) by_merge[id] = s.first;
  for (const auto& [id, s] : attempts(local)) by_local[id] = s.first;
  EXPECT_EQ(by_merge, by_local);
  EXPECT_EQ(by_merge.size(), 6u);
}

TEST_F(Workers, KubernetesEmitsAnIndexedJobForTheUnfinishedAttempts) {
  const auto dir = tmp.path() / "k8s";
  const auto r = run({"run", race_file().string(), "--db", db().string(), "--on", "kubernetes", "--emit", dir.string(),
                      "--image", "example/agentrace:1", "--nodes", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto list = nlohmann::json::parse(core::read_file(dir / "race.json"));
  const auto& items = list.at("items");
  ASSERT_EQ(items.size(), 3u);
  const auto plan = nlohmann::json::parse(items.at(0).at("data").at("plan.json").get<std::string>());
  EXPECT_EQ(plan.at("attempts").size(), 6u);
  EXPECT_EQ(items.at(2).at("spec").at("completions"), 3);
  EXPECT_TRUE(fs::exists(dir / "merge.json") && fs::exists(dir / "README.md"));
  const auto missing = run({"run", race_file().string(), "--db", db().string(), "--on", "kubernetes"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("--emit DIR and --image IMAGE"), std::string::npos) << missing.err;
}

TEST_F(Workers, AStalePlanOrABadShardIsNamed) {
  auto r = run({"worker", "--plan", plan().string(), "--shard", "2/2", "--db", (tmp.path() / "x.db").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--shard 2/2"), std::string::npos) << r.err;
  auto text = core::read_file(plan());
  const auto at = text.find("\"attempts\": [\n    \"");
  ASSERT_NE(at, std::string::npos);
  text.replace(at + 20, 4, "ffff");
  core::write_file(plan(), text);
  r = run({"worker", "--plan", plan().string(), "--shard", "0/1", "--db", (tmp.path() / "x.db").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("changed since the plan was written"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace agentrace
