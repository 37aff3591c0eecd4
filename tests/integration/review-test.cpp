// The blind review page, end to end: the real binary serves it on loopback with a
// token; Debian's chromium (through chromedriver) grades an attempt with the keyboard;
// the grade lands in the store as the attempt's final, human grade.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/fs.hpp"
#include "store/store.hpp"
#include "support/test-support.hpp"

namespace agentrace {
namespace {

namespace fs = std::filesystem;

class Review : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto r = test::run_command(fmt::format("{} validate {} --db {}", test::binary().string(),
                                                 (test::data_dir() / "suites" / "tiny").string(), db().string()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  fs::path db() const { return tmp.path() / "v.db"; }

  // Starts `agentrace review` and returns the URL it prints.
  std::string start(const std::string& token) {
    const auto out = tmp.path() / "url";
    pid_ = fork();
    if (pid_ == 0) {
      const auto cmd = fmt::format("exec {} review --db {} --reviewer alice --token {} >{} 2>{}",
                                   test::binary().string(), db().string(), token, out.string(),
                                   (tmp.path() / "err").string());
      execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 200; ++i) {
      const auto url = core::read_tail(out, 1000);
      if (url.find('\n') != std::string::npos) return url.substr(0, url.find('\n'));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "review printed no URL: " << core::read_tail(tmp.path() / "err", 2000);
    return {};
  }

  core::TempDir tmp{"agentrace-review"};
  pid_t pid_ = -1;
};

TEST_F(Review, RefusesRequestsWithoutTheToken) {
  const auto url = start("t0k3n");
  ASSERT_NE(url.find("http://127.0.0.1:"), std::string::npos) << url;
  const auto base = url.substr(0, url.find("/?token="));
  for (const auto& u : {base + "/", base + "/?token=wrong", base + "/api/next", base + "/api/next?token=wrong"}) {
    const auto r = test::run_command(fmt::format("curl -s -o /dev/null -w '%{{http_code}}' '{}'", u));
    EXPECT_EQ(r.out, "403") << u;
  }
  const auto ok = test::run_command(fmt::format("curl -s '{}/api/next?token=t0k3n'", base));
  EXPECT_NE(ok.out.find("\"statement\""), std::string::npos) << ok.out;
  EXPECT_EQ(ok.out.find("oracle"), std::string::npos) << "the page must not name the contender";
  EXPECT_EQ(ok.out.find("\"nop\""), std::string::npos);
}

TEST(ReviewCli, ServesLoopbackOnly) {
  const auto r = test::run_command(fmt::format("{} review --db /nonexistent.db --reviewer a --listen 0.0.0.0:0",
                                               test::binary().string()));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("serves loopback only"), std::string::npos) << r.err;
}

TEST_F(Review, ABrowserGradesAnAttemptWithTheKeyboard) {
  if (test::run_command("command -v chromium && command -v chromedriver && command -v node").exit_code != 0)
    GTEST_SKIP() << "chromium, chromedriver or node missing: run scripts/setup";
  const auto url = start("k3y");
  const auto artifacts = fs::path(AGENTRACE_BIN).parent_path() / "test-artifacts";
  fs::create_directories(artifacts);
  const auto shot = artifacts / "review-page.png";
  const auto r = test::run_command(fmt::format("node {} '{}' {} 2", (test::source_dir() / "tests/browser/review.mjs").string(),
                                               url, shot.string()));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("\"before\":\"0 reviewed · 2 to go"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"status\":\"stored grade 2\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"after\":\"1 reviewed · 1 to go"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(shot));

  store::Store s(db());
  const auto race = s.races().back().id;
  const auto reviews = s.reviews(race);
  ASSERT_EQ(reviews.size(), 1u);
  EXPECT_EQ(reviews[0].reviewer, "alice");
  EXPECT_EQ(reviews[0].grade, 2);
  int human = 0;
  for (const auto& a : s.attempts(race)) {
    if (a.id != reviews[0].attempt_id) continue;
    EXPECT_EQ(a.grade, 2);
    EXPECT_EQ(a.grade_source, "human");
    EXPECT_TRUE(a.auto_grade.has_value());  // the automatic grade is kept beside it
    ++human;
  }
  EXPECT_EQ(human, 1);
}

}  // namespace
}  // namespace agentrace
