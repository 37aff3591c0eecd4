// The four real agent CLIs, raced end to end through the real binary: each fixes two
// starter tasks against the simulated endpoint (which answers with the task's fix as a
// shell call in the CLI's own tool names), through the recording proxy, inside the
// bubblewrap sandbox. Then endpoints that fail: HTTP 500 and a stream that stalls.
// A CLI that scripts/setup-agents did not install is skipped, and says so.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/fs.hpp"
#include "scaffold/cli-agent.hpp"
#include "store/store.hpp"
#include "support/test-support.hpp"

namespace agentrace {
namespace {

namespace fs = std::filesystem;

// A model endpoint that misbehaves on every POST: `fail` answers HTTP 500, `stall`
// sends the response head and one event, then nothing until the test ends.
class FaultServer {
 public:
  enum class Mode { fail, stall };
  explicit FaultServer(Mode mode) : mode_(mode) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 || ::listen(fd_, 64) != 0)
      throw std::runtime_error("fault server: cannot listen");
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FaultServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  FaultServer(const FaultServer&) = delete;
  FaultServer& operator=(const FaultServer&) = delete;
  std::string url() const { return fmt::format("http://127.0.0.1:{}", port_); }
  int posts() const { return posts_; }

 private:
  void serve() {
    std::vector<std::thread> handlers;
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c >= 0) handlers.emplace_back([this, c] { handle(c); });
    }
    for (auto& t : handlers) t.join();
  }
  // One request per connection (Connection: close), body read by Content-Length.
  void handle(int c) {
    std::string in;
    char buf[65536];
    std::size_t need = std::string::npos;
    while (need == std::string::npos || in.size() < need) {
      pollfd p{c, POLLIN, 0};
      if (stop_ || ::poll(&p, 1, 100) < 0) break;
      if (p.revents == 0) continue;
      const auto n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      in.append(buf, static_cast<std::size_t>(n));
      if (const auto end = in.find("\r\n\r\n"); end != std::string::npos && need == std::string::npos)
        need = end + 4 + content_length(in.substr(0, end));
    }
    respond(c, in.rfind("POST", 0) == 0);
    ::close(c);
  }
  static std::size_t content_length(std::string head) {
    for (auto& ch : head) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const auto at = head.find("content-length:");
    return at == std::string::npos ? 0 : std::stoul(head.substr(at + 15));
  }
  void respond(int c, bool post) {
    if (!post) return send(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    ++posts_;
    if (mode_ == Mode::fail) {
      const std::string body = R"({"error":{"message":"injected failure","type":"server_error"}})";
      return send(c, fmt::format("HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
                                 "Content-Length: {}\r\nConnection: close\r\n\r\n{}", body.size(), body));
    }
    send(c, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n: started\n\n");
    while (!stop_) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  static void send(int c, const std::string& data) { (void)::send(c, data.data(), data.size(), MSG_NOSIGNAL); }

  Mode mode_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> posts_{0};
  std::thread thread_;
};

class AgentRace : public ::testing::TestWithParam<std::string> {
 protected:
  core::TempDir tmp{"agentrace-agents"};
  fs::path db() const { return tmp.path() / "results.db"; }

  void SetUp() override {
    if (!scaffold::find_installed(scaffold::cli_info(GetParam())).present)
      GTEST_SKIP() << GetParam() << " is not installed: run scripts/setup-agents";
  }

  // One contender of this scaffold; endpoint_toml is the body of [contenders.endpoint].
  test::CommandResult race(const std::vector<std::string>& tasks, const std::string& endpoint_toml,
                           int agent_seconds) {
    const auto file = tmp.path() / "race.toml";
    core::write_file(file, fmt::format("name = \"agents-{0}\"\nsuite = \"{1}\"\ntasks = [\"{2}\"]\nsandbox = \"bwrap\"\n"
                                       "[[contenders]]\nname = \"{0}\"\nscaffold = \"{0}\"\nmodel = \"sim-model\"\n"
                                       "agent_seconds = {3}\n[contenders.endpoint]\n{4}\n",
                                       GetParam(), (test::source_dir() / "suites" / "starter").string(),
                                       fmt::join(tasks, "\", \""), agent_seconds, endpoint_toml));
    return test::run_command(fmt::format("{} run {} --db {} --quiet", test::binary().string(), file.string(),
                                         db().string()));
  }
  std::vector<store::AttemptRecord> attempts() {
    store::Store s(db());
    return s.attempts(s.races().back().id);
  }
  std::size_t call_rows(const std::string& attempt_id) {
    store::Store s(db());
    std::size_t n = 0;
    for (const auto& c : s.calls(s.races().back().id)) n += c.attempt_id == attempt_id;
    return n;
  }
};

TEST_P(AgentRace, FixesTwoStarterTasksInTheSandbox) {
  const auto started = std::chrono::steady_clock::now();
  const auto r = race({"py-csvkit-quoted-newline", "js-queue-async-order"}, "sim = \"zero\"", 300);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto a = attempts();
  ASSERT_EQ(a.size(), 2u);
  for (const auto& at : a) {
    SCOPED_TRACE(at.task_id);
    EXPECT_EQ(at.state, store::AttemptState::done) << at.failure_detail;
    EXPECT_EQ(at.grade, 3) << at.grade_detail << "\n" << at.diff;
    EXPECT_FALSE(at.diff.empty());
    EXPECT_GT(at.calls, 0);
    EXPECT_EQ(call_rows(at.id), static_cast<std::size_t>(at.calls));
    const auto agent = nlohmann::json::parse(test::record_text(at.agent));
    EXPECT_GE(agent.value("tool_calls", 0), 1) << test::record_text(at.agent);
    EXPECT_EQ(agent.value("tools", nlohmann::json::array()).size(), agent.value("tool_calls", 0u)) << test::record_text(at.agent);
    EXPECT_FALSE(agent.value("stop_reason", "").empty()) << test::record_text(at.agent);
    EXPECT_FALSE(agent.value("reported_error", false)) << test::record_text(at.agent);
    // The agent's own CPU time (reported by the relay inside the sandbox), not bwrap's
    // few milliseconds: a node CLI needs well over 0.1 s to start.
    EXPECT_GT(at.user_s + at.sys_s, 0.1) << "user " << at.user_s << " sys " << at.sys_s;
    EXPECT_GT(at.max_rss_kb, 20000);
    const auto split = nlohmann::json::parse(test::record_text(at.time_split));
    const double parts = split.value("model_s", 0.0) + split.value("tool_s", 0.0) + split.value("scaffold_s", 0.0);
    EXPECT_NEAR(parts, at.wall_s, at.wall_s * 0.01) << test::record_text(at.time_split);
    EXPECT_NEAR(split.value("wall_s", 0.0), at.wall_s, at.wall_s * 0.01) << test::record_text(at.time_split);
  }
  fmt::print(stderr, "{}: two tasks in {:.1f} s (agent wall {:.1f} s + {:.1f} s)\n", GetParam(),
             std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), a[0].wall_s,
             a[1].wall_s);
}

INSTANTIATE_TEST_SUITE_P(Cli, AgentRace, ::testing::Values("claude-code", "opencode", "codex", "qwen-code"),
                         [](const auto& info) {
                           auto name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// Failures take the CLIs' own retry loops: only those that give up within seconds.
class AgentFaults : public AgentRace {};

TEST_P(AgentFaults, EndpointAnswering500IsAnInfrastructureFailure) {
  FaultServer server(FaultServer::Mode::fail);
  const auto r = race({"py-csvkit-quoted-newline"}, fmt::format("url = \"{}\"", server.url()), 60);
  ASSERT_EQ(r.exit_code, 3) << r.err;  // an infrastructure error is not a result
  const auto a = attempts();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].state, store::AttemptState::infra_error) << a[0].failure_detail;
  EXPECT_EQ(a[0].failure, store::FailureClass::status) << a[0].failure_detail;
  EXPECT_FALSE(a[0].grade.has_value());
  EXPECT_GT(server.posts(), 1);  // it retried, and then gave up
  EXPECT_EQ(a[0].calls, server.posts());
  EXPECT_TRUE(nlohmann::json::parse(test::record_text(a[0].agent)).value("reported_error", false)) << test::record_text(a[0].agent);
}

TEST_P(AgentFaults, StalledStreamEndsAtTheAttemptsLimit) {
  FaultServer server(FaultServer::Mode::stall);
  const auto started = std::chrono::steady_clock::now();
  const auto r = race({"py-csvkit-quoted-newline"}, fmt::format("url = \"{}\"", server.url()), 8);
  const auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_EQ(r.exit_code, 3) << r.err;
  const auto a = attempts();
  ASSERT_EQ(a.size(), 1u);
  // The agent was waiting on the model when its limit came: the endpoint's failure.
  EXPECT_EQ(a[0].failure, store::FailureClass::stream) << store::to_string(a[0].failure) << ": " << a[0].failure_detail;
  EXPECT_FALSE(a[0].grade.has_value());
  EXPECT_LT(a[0].wall_s, 8 + 5.0);
  EXPECT_LT(took, 60.0);
  EXPECT_GE(server.posts(), 1);
}

INSTANTIATE_TEST_SUITE_P(Cli, AgentFaults, ::testing::Values("claude-code", "codex"), [](const auto& info) {
  auto name = info.param;
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
});

TEST(AgentsCommand, ListsTheFourWithVersions) {
  const auto r = test::run_command(test::binary().string() + " agents");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const auto& cli : scaffold::cli_infos()) {
    const auto found = scaffold::find_installed(cli);
    const auto line = r.out.find(cli.scaffold + " ");
    ASSERT_NE(line, std::string::npos) << r.out;
    const auto row = r.out.substr(line, r.out.find('\n', line) - line);
    EXPECT_NE(row.find(cli.package), std::string::npos) << row;
    EXPECT_NE(row.find(found.present ? found.version : " no "), std::string::npos) << row;
  }
}

TEST(AgentsCommand, SaysWhatToRunWhenNoneIsInstalled) {
  core::TempDir tmp("agentrace-agents");
  const auto r = test::run_command(fmt::format("AGENTRACE_AGENTS_DIR={} {} agents", tmp.path().string(),
                                               test::binary().string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("claude-code  @anthropic-ai/claude-code  no"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("scripts/setup-agents"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace agentrace
