// Several processes on one race: attempts are claimed with a lease, renewed, taken over
// when it expires, released when their owner dies; and store errors name the file.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/host.hpp"
#include "store/lease.hpp"
#include "store/store.hpp"

namespace agentrace::store {
namespace {

namespace fs = std::filesystem;

AttemptRecord planned(const std::string& id, int repeat = 0) {
  AttemptRecord a;
  a.id = id;
  a.race_id = "race-1";
  a.task_id = "t1";
  a.task_hash = "hash-t1";
  a.contender = "c1";
  a.repeat = repeat;
  return a;
}

AttemptRecord done(const std::string& id, int grade) {
  auto a = planned(id);
  a.state = AttemptState::done;
  a.grade = grade;
  return a;
}

Claim by(const std::string& owner, std::int64_t now, std::int64_t until) { return {owner, "host-x", now, until}; }

class LeaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Store db(file());
    std::vector<AttemptRecord> all;
    for (int i = 0; i < 4; ++i) all.push_back(planned("a" + std::to_string(i), i));
    db.plan(all);
  }
  fs::path file() const { return tmp_.path() / "results.db"; }
  std::map<std::string, AttemptRecord> by_id(Store& db) {
    std::map<std::string, AttemptRecord> out;
    for (auto& a : db.attempts("race-1")) out[a.id] = a;
    return out;
  }
  const std::vector<std::string> ids{"a2", "a0", "a1", "a3"};
  core::TempDir tmp_{"store-lease-test"};
};

TEST_F(LeaseTest, ClaimsInTheGivenOrderEachOnce) {
  Store a(file()), b(file());  // two connections, as two processes have
  EXPECT_EQ(a.claim(ids, by("A", 100, 1000)), "a2");
  EXPECT_EQ(b.claim(ids, by("B", 100, 1000)), "a0");
  EXPECT_EQ(a.claim(ids, by("A", 100, 1000)), "a1");
  EXPECT_EQ(b.claim(ids, by("B", 100, 1000)), "a3");
  EXPECT_EQ(a.claim(ids, by("A", 100, 1000)), std::nullopt);
  const auto all = by_id(a);
  EXPECT_EQ(all.at("a2").state, AttemptState::running);
  EXPECT_EQ(all.at("a2").host, "host-x");
  EXPECT_EQ(all.at("a2").runs, 1);
  EXPECT_FALSE(all.at("a2").started_at.empty());
  EXPECT_EQ(a.owners("race-1"), (std::vector<std::string>{"A", "B"}));
}

TEST_F(LeaseTest, OnlyTheGivenIdsAreClaimed) {
  Store db(file());
  EXPECT_EQ(db.claim({"a3", "elsewhere"}, by("A", 0, 10)), "a3");
  EXPECT_EQ(db.claim({"a3", "elsewhere"}, by("A", 0, 10)), std::nullopt);
  EXPECT_EQ(by_id(db).at("a0").state, AttemptState::planned);
}

TEST_F(LeaseTest, FinishedAttemptsAreNotClaimed) {
  Store db(file());
  db.finish(done("a2", 3), {});
  EXPECT_EQ(db.claim(ids, by("A", 0, 10)), "a0");
}

TEST_F(LeaseTest, AnExpiredLeaseIsTakenOverAndCountedAsASecondRun) {
  Store db(file());
  ASSERT_EQ(db.claim({"a0"}, by("A", 100, 1000)), "a0");
  EXPECT_EQ(db.claim({"a0"}, by("B", 999, 2000)), std::nullopt);  // still A's
  EXPECT_EQ(db.claim({"a0"}, by("B", 1001, 2000)), "a0");
  EXPECT_EQ(by_id(db).at("a0").runs, 2);
  EXPECT_EQ(db.owners("race-1"), std::vector<std::string>{"B"});
}

TEST_F(LeaseTest, RenewalKeepsTheLease) {
  Store db(file());
  ASSERT_EQ(db.claim({"a0"}, by("A", 100, 1000)), "a0");
  ASSERT_EQ(db.claim({"a1"}, by("A", 100, 1000)), "a1");
  EXPECT_EQ(db.renew("A", 5000), 2);
  EXPECT_EQ(db.renew("nobody", 5000), 0);
  EXPECT_EQ(db.claim({"a0", "a1"}, by("B", 4000, 9000)), std::nullopt);
  EXPECT_EQ(db.claim({"a0", "a1"}, by("B", 5001, 9000)), "a0");
}

TEST_F(LeaseTest, AnOwnerThatLostItsLeaseCannotFinish) {
  Store db(file());
  ASSERT_EQ(db.claim({"a0"}, by("A", 100, 1000)), "a0");
  ASSERT_EQ(db.claim({"a0"}, by("B", 2000, 3000)), "a0");
  EXPECT_FALSE(db.finish(done("a0", 3), {}, "A"));
  EXPECT_EQ(by_id(db).at("a0").state, AttemptState::running);
  EXPECT_TRUE(db.finish(done("a0", 1), {}, "B"));
  EXPECT_EQ(by_id(db).at("a0").grade, 1);
  EXPECT_FALSE(db.finish(done("a0", 3), {}, "B"));  // once finished, not again
  EXPECT_EQ(by_id(db).at("a0").grade, 1);
  EXPECT_THROW(db.finish(done("ghost", 3), {}, "B"), core::InfraError);
}

TEST_F(LeaseTest, ReleaseReturnsOnlyThatOwnersRunningAttempts) {
  Store db(file());
  ASSERT_EQ(db.claim({"a0"}, by("A", 0, 1000)), "a0");
  ASSERT_EQ(db.claim({"a1"}, by("A", 0, 1000)), "a1");
  ASSERT_EQ(db.claim({"a2"}, by("B", 0, 1000)), "a2");
  ASSERT_TRUE(db.finish(done("a1", 2), {}, "A"));
  EXPECT_EQ(db.release("A"), 1);
  const auto all = by_id(db);
  EXPECT_EQ(all.at("a0").state, AttemptState::planned);
  EXPECT_EQ(all.at("a1").state, AttemptState::done);
  EXPECT_EQ(all.at("a2").state, AttemptState::running);
}

TEST_F(LeaseTest, ResetAtStartLeavesLiveLeasesAlone) {
  Store db(file());
  ASSERT_EQ(db.claim({"a0"}, by("A", 0, 1000)), "a0");
  ASSERT_EQ(db.claim({"a1"}, by("B", 0, 5000)), "a1");
  EXPECT_EQ(db.reset_unfinished("race-1", 2000), 1);
  const auto all = by_id(db);
  EXPECT_EQ(all.at("a0").state, AttemptState::planned);
  EXPECT_EQ(all.at("a1").state, AttemptState::running);
}

TEST_F(LeaseTest, ThreadsWithTheirOwnConnectionsNeverClaimTheSameAttempt) {
  std::vector<AttemptRecord> more;
  std::vector<std::string> all_ids;
  for (int i = 0; i < 200; ++i) {
    more.push_back(planned("m" + std::to_string(i), 100 + i));
    all_ids.push_back(more.back().id);
  }
  Store(file()).plan(more);
  std::mutex m;
  std::vector<std::string> claimed;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Store db(file());
      const std::string owner = "owner-" + std::to_string(t);
      while (auto id = db.claim(all_ids, by(owner, 0, 1000))) {
        ASSERT_TRUE(db.finish(done(*id, 2), {}, owner));
        std::lock_guard g(m);
        claimed.push_back(*id);
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(claimed.size(), 200u);
  EXPECT_EQ(std::set<std::string>(claimed.begin(), claimed.end()).size(), 200u);
  for (const auto& a : Store(file()).attempts("race-1"))
    if (a.id[0] == 'm') EXPECT_EQ(a.runs, 1) << a.id;
}

TEST(Lease, OwnersAreUniqueAndAliveHere) {
  const auto mine = new_owner();
  EXPECT_NE(mine, new_owner());
  EXPECT_EQ(mine.rfind(core::host_name() + ":" + std::to_string(getpid()) + ":", 0), 0u) << mine;
  EXPECT_FALSE(owner_gone_here(mine));
}

TEST(Lease, AnOwnerWhoseProcessEndedIsGoneButOnlyOnItsHost) {
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) _exit(0);
  ASSERT_EQ(waitpid(pid, nullptr, 0), pid);
  EXPECT_TRUE(owner_gone_here(core::host_name() + ":" + std::to_string(pid) + ":abc"));
  EXPECT_FALSE(owner_gone_here("another-host:" + std::to_string(pid) + ":abc"));
  EXPECT_FALSE(owner_gone_here("garbage"));
  EXPECT_FALSE(owner_gone_here(core::host_name() + ":notapid:abc"));
}

TEST(StoreErrors, AFileThatIsNotAStoreIsNamed) {
  core::TempDir tmp("store-lease-test");
  const auto file = tmp.path() / "notes.db";
  core::write_file(file, std::string(4096, 'x'));
  try {
    Store db(file);
    FAIL() << "opened a file that is not a database";
  } catch (const core::InfraError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("results store " + file.string() + ": "), std::string::npos) << what;
    EXPECT_NE(what.find("not an agentrace store"), std::string::npos) << what;
  }
}

TEST(StoreErrors, AFolderThatCannotBeCreatedIsNamed) {
  core::TempDir tmp("store-lease-test");
  core::write_file(tmp.path() / "plain-file", "");
  const auto file = tmp.path() / "plain-file" / "r.db";
  try {
    Store db(file);
    FAIL() << "opened a store under a file";
  } catch (const core::InfraError& e) {
    EXPECT_NE(std::string(e.what()).find("results store " + file.string() + ": cannot create its folder"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace agentrace::store
