// Model traffic inside a race: an agent in the sandbox reaches the endpoint only
// through its proxy route (relay -> Unix socket -> recording proxy -> upstream); every
// call is stored with its attempt; endpoint failures are infrastructure failures.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/fs.hpp"
#include "store/store.hpp"
#include "support/test-support.hpp"

namespace agentrace {
namespace {

namespace fs = std::filesystem;

// A real HTTP upstream: python's http.server on a free port, serving one file.
class Upstream {
 public:
  explicit Upstream(const fs::path& dir) {
    core::write_file(dir / "hello.txt", "hello from upstream\n");
    port_ = 20000 + getpid() % 20000;
    pid_ = fork();
    if (pid_ == 0) {
      setpgid(0, 0);
      if (chdir(dir.c_str()) != 0) _exit(127);
      execlp("python3", "python3", "-m", "http.server", std::to_string(port_).c_str(), "--bind", "127.0.0.1",
             static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 100; ++i) {
      if (test::run_command(fmt::format("curl -s -o /dev/null http://127.0.0.1:{}/hello.txt", port_)).exit_code == 0)
        return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ~Upstream() {
    kill(-pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

class Gateway : public ::testing::TestWithParam<std::string> {
 protected:
  core::TempDir tmp{"agentrace-gw"};
  fs::path db() const { return tmp.path() / "r.db"; }

  test::CommandResult race(const std::string& endpoint_toml, const std::string& command) {
    const auto file = tmp.path() / "race.toml";
    core::write_file(file, fmt::format("name = \"gw\"\nsuite = \"{}\"\nsandbox = \"{}\"\n"
                                       "[[contenders]]\nname = \"curl\"\nscaffold = \"command\"\ncommand = {}\n"
                                       "[contenders.endpoint]\n{}\n",
                                       (test::data_dir() / "suites" / "tiny").string(), GetParam(), command,
                                       endpoint_toml));
    return test::run_command(fmt::format("{} run {} --db {} -q", test::binary().string(), file.string(),
                                         db().string()));
  }
  std::vector<store::AttemptRecord> attempts() {
    store::Store s(db());
    return s.attempts(s.races().back().id);
  }
  std::vector<store::CallRow> calls() {
    store::Store s(db());
    return s.calls(s.races().back().id);
  }
};

TEST_P(Gateway, CallsGoThroughTheAttemptsRouteAndAreRecorded) {
  Upstream up(tmp.path() / "www");
  const auto r = race(fmt::format("url = \"http://127.0.0.1:{}\"", up.port()),
                      "[\"bash\", \"-c\", \"curl -sS -H 'Authorization: Bearer $AGENTRACE_API_KEY' "
                      "$AGENTRACE_BASE_URL/hello.txt -o got.txt && curl -sS $AGENTRACE_BASE_URL/hello.txt >> got.txt\"]");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto a = attempts();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].state, store::AttemptState::done) << a[0].failure_detail;
  EXPECT_EQ(a[0].calls, 2);
  EXPECT_NE(a[0].diff.find("+hello from upstream\n+hello from upstream"), std::string::npos) << a[0].diff;
  const auto c = calls();
  ASSERT_EQ(c.size(), 2u);
  for (const auto& call : c) {
    EXPECT_EQ(call.attempt_id, a[0].id);
    EXPECT_EQ(call.status, 200);
    EXPECT_EQ(call.error, "none");
    EXPECT_EQ(call.record_json.find("agentrace-dummy-key"), std::string::npos);
  }
  EXPECT_EQ(c[0].sequence, 0);
  EXPECT_EQ(c[1].sequence, 1);
  // The split of the wall-clock sums to it.
  const auto split = nlohmann::json::parse(test::record_text(a[0].time_split));
  const double sum = split["model_s"].get<double>() + split["tool_s"].get<double>() + split["scaffold_s"].get<double>();
  EXPECT_NEAR(sum, split["wall_s"].get<double>(), 1e-6);
  EXPECT_GT(split["model_s"].get<double>(), 0.0);
  EXPECT_EQ(split["calls"].get<int>(), 2);
  EXPECT_EQ(split["server_timed_calls"].get<int>(), 0);  // a file server reports no timings
  // The command starts (sandbox, relay, curl) before its first call and exits after the last.
  const double before = split["before_first_call_s"].get<double>(), after = split["after_last_call_s"].get<double>();
  EXPECT_GT(before, 0.0);
  EXPECT_GE(after, 0.0);
  EXPECT_LT(before + after + split["model_s"].get<double>(), split["wall_s"].get<double>() + 1e-9);
}

TEST_P(Gateway, AnEndpointThatIsDownIsReportedBeforeTheRace) {
  // Nothing listens on this port: the race does not start, and says what to fix.
  const auto r = race("url = \"http://127.0.0.1:9\"", "[\"sh\", \"-c\", \"curl -sS -f $AGENTRACE_BASE_URL/v1/models\"]");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("endpoint http://127.0.0.1:9 cannot be reached (connect"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("start its server"), std::string::npos) << r.err;
}

TEST_P(Gateway, AMissingKeyIsReportedBeforeTheRace) {
  const auto r = race("url = \"https://api.example.invalid\"\napi_key_env = \"AGENTRACE_TEST_UNSET_KEY\"",
                      "[\"true\"]");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("the API key variable AGENTRACE_TEST_UNSET_KEY is not set"), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(Sandbox, Gateway, ::testing::Values("bwrap", "none"));

}  // namespace
}  // namespace agentrace
