// A hostile local process against the model gateway (issue 15, parts 4 and 5): an
// attempt's route is a capability that nothing another process can see opens, and an
// endpoint that stalls or refuses the key is the infrastructure's failure, never the
// model's grade; `agentrace run` then exits 3 and a rerun retries those attempts.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/fs.hpp"
#include "store/store.hpp"
#include "support/test-support.hpp"

namespace agentrace {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

std::string slurp(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every process's argv, as any local user reads it with `ps`.
std::vector<std::vector<std::string>> all_cmdlines() {
  std::vector<std::vector<std::string>> out;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const auto name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const auto raw = slurp(e.path() / "cmdline");
    std::vector<std::string> args;
    for (std::size_t at = 0; at < raw.size();) {
      const auto end = raw.find('\0', at);
      args.push_back(raw.substr(at, end - at));
      at = end == std::string::npos ? raw.size() : end + 1;
    }
    out.push_back(std::move(args));
  }
  return out;
}

// Every word of 6 or more id characters: what an attacker would try as a route.
void add_words(const std::string& text, std::set<std::string>& out) {
  static const std::regex word("[A-Za-z0-9_.:-]{6,}");
  for (std::sregex_iterator it(text.begin(), text.end(), word), end; it != end; ++it) out.insert(it->str());
}

// The TCP ports a process listens on (`ss`, as any local user can run it).
std::vector<int> listening_ports(pid_t pid) {
  std::vector<int> ports;
  const auto r = test::run_command("ss -Hltnp");
  std::istringstream lines(r.out);
  static const std::regex port(R"(127\.0\.0\.1:(\d+))");
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (line.find(fmt::format("pid={},", pid)) != std::string::npos && std::regex_search(line, m, port))
      ports.push_back(std::stoi(m[1]));
  }
  return ports;
}

// One HTTP/1.1 GET over a fresh connection, after an optional opening line; the status
// (0: closed without an answer).
int status_of(int fd, const std::string& opening, const std::string& target) {
  const timeval wait{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
  const auto req = opening + fmt::format("GET {} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", target);
  std::string got;
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) got.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return got.starts_with("HTTP/1.1 ") ? std::stoi(got.substr(9, 3)) : 0;
}

int tcp_status(int port, const std::string& target) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return ::close(fd), 0;
  return status_of(fd, "", target);
}

int unix_status(const fs::path& socket, const std::string& opening, const std::string& target) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, socket.c_str(), sizeof a.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return ::close(fd), 0;
  return status_of(fd, opening, target);
}

// The proxy's Unix socket, from the sandbox's bind in bwrap's argv.
std::optional<fs::path> proxy_socket() {
  for (const auto& args : all_cmdlines()) {
    for (std::size_t i = 0; i + 2 < args.size(); ++i) {
      if (args[i] == "--ro-bind" && args[i + 2] == "/run/model") return fs::path(args[i + 1]) / "proxy.sock";
    }
  }
  return std::nullopt;
}

class HostileRoute : public ::testing::Test {
 protected:
  core::TempDir tmp{"agentrace-hostile-route"};
  fs::path db() const { return tmp.path() / "r.db"; }
  fs::path work() const { return tmp.path() / "work"; }

  // `extra`: top-level keys and tables before the contender.
  fs::path race_file(const std::string& sandbox, const std::string& command, const std::string& endpoint,
                     const std::string& extra = "", const std::string& model = "") const {
    const auto file = tmp.path() / "race.toml";
    core::write_file(file, fmt::format("name = \"hostile-route\"\nsuite = \"{}\"\nsandbox = \"{}\"\n{}"
                                       "[[contenders]]\nname = \"attacker\"\nscaffold = \"command\"\ncommand = {}\n"
                                       "model = \"{}\"\n[contenders.env]\nLEAK = \"{}\"\n[contenders.endpoint]\n{}\n",
                                       (test::data_dir() / "suites" / "tiny").string(), sandbox, extra,
                                       Json{"bash", "-c", command}.dump(), model, tmp.path().string(), endpoint));
    return file;
  }
  std::vector<std::string> run_argv(const fs::path& race) const {
    return {test::binary().string(), "run", race.string(), "--db", db().string(), "--work", work().string(), "-q"};
  }
  test::CommandResult run(const fs::path& race) const {
    std::string line;
    for (const auto& a : run_argv(race)) line += a + " ";
    return test::run_command(line);
  }
  std::vector<store::AttemptRecord> attempts() const {
    store::Store s(db());
    return s.attempts(s.races().back().id);
  }
  std::vector<store::CallRow> calls() const {
    store::Store s(db());
    return s.calls(s.races().back().id);
  }
  // Waits for a file the attempt's agent creates (in its workspace, or in LEAK).
  std::optional<fs::path> wait_for_file(const std::string& name) const {
    for (int i = 0; i < 6000; ++i) {
      if (fs::exists(tmp.path() / name)) return tmp.path() / name;
      if (fs::exists(work() / "attempts")) {
        for (const auto& a : fs::directory_iterator(work() / "attempts")) {
          if (fs::exists(a.path() / "workspace" / name)) return a.path() / "workspace" / name;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return std::nullopt;
  }
};

// The agent waits for the test's `go` before its one call, so the test probes while it runs.
// In the sandbox it first dumps what it can read of every process and its own mounts.
constexpr const char* kDumpWhatItSees =
    "for p in /proc/[0-9]*; do cat $p/cmdline $p/environ; done 2>/dev/null | tr '\\0' '\\n' > seen.txt; "
    "env >> seen.txt; cat /proc/self/mountinfo >> seen.txt; ";
constexpr const char* kWaitThenCall =
    "touch running; for i in $(seq 600); do [ -e go ] && break; sleep 0.1; done; "
    "curl -sS -f $AGENTRACE_BASE_URL/v1/models -o /dev/null";

TEST_F(HostileRoute, NothingAnotherProcessOrTheAgentCanSeeOpensARunningAttemptsRoute) {
  test::Process run(run_argv(race_file("bwrap", std::string(kDumpWhatItSees) + kWaitThenCall, "sim = \"zero\"")),
                    tmp.path() / "out", tmp.path() / "err");
  const auto running = wait_for_file("running");
  ASSERT_TRUE(running) << slurp(tmp.path() / "err");
  std::set<std::string> words;  // what a local process sees in ps, and what the agent saw inside
  for (const auto& args : all_cmdlines()) {
    for (const auto& a : args) add_words(a, words);
  }
  const auto seen = slurp(running->parent_path() / "seen.txt");
  EXPECT_NE(seen.find("AGENTRACE_BASE_URL=http://127.0.0.1:8417"), std::string::npos) << seen;
  add_words(seen, words);
  const auto ports = listening_ports(run.pid());
  const auto socket = proxy_socket();
  ASSERT_FALSE(ports.empty());
  ASSERT_TRUE(socket);
  // Every such word, as a route on the TCP listener and on the socket, with and without an
  // opening line: none is forwarded.
  std::vector<std::string> opened;
  for (const auto& w : words) {
    const auto target = "/r/" + w + "/v1/models";
    for (int port : ports) {
      if (tcp_status(port, target) == 200) opened.push_back(fmt::format("tcp:{} {}", port, target));
    }
    if (unix_status(*socket, "", target) == 200) opened.push_back("unix " + target);
    if (unix_status(*socket, w + "\n", "/v1/models") == 200) opened.push_back("unix opening " + w);
  }
  EXPECT_TRUE(opened.empty()) << "routes opened by words seen: " << fmt::format("{}", fmt::join(opened, ", "));
  EXPECT_GT(words.size(), 50u);  // the probe saw the sandbox's argv
  core::write_file(running->parent_path() / "go", "");
  ASSERT_EQ(run.wait(), 0) << slurp(tmp.path() / "err");
  const auto a = attempts();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].state, store::AttemptState::done) << a[0].failure_detail;
  EXPECT_EQ(a[0].exit_code, 0) << "the attempt's own route works: " << a[0].failure_detail;
  EXPECT_EQ(a[0].calls, 1);
  EXPECT_EQ(calls().size(), 1u) << "probes were counted as the attempt's calls";
}

TEST_F(HostileRoute, WithoutSandboxTheRouteIsASecretOnlyInTheEnvironmentAndDiesWithTheAttempt) {
  // Two attempts in turn; the first hands its own base URL out (LEAK is outside the
  // workspace), the second keeps the proxy up while the test tries that stale route.
  const auto command = std::string("if mkdir $LEAK/first; then echo \"$AGENTRACE_BASE_URL\" > $LEAK/route; "
                                   "cd $LEAK/first; else cd $LEAK; fi; ") + kWaitThenCall;
  test::Process run(run_argv(race_file("none", command, "sim = \"zero\"", "repeats = 2\n")), tmp.path() / "out",
                    tmp.path() / "err");
  ASSERT_TRUE(wait_for_file("first/running")) << slurp(tmp.path() / "err");
  auto url = slurp(tmp.path() / "route");
  while (!url.empty() && url.back() == '\n') url.pop_back();
  std::smatch m;
  ASSERT_TRUE(std::regex_match(url, m, std::regex(R"(http://127\.0\.0\.1:\d+/r/([0-9a-f]+))"))) << url;
  const std::string secret = m[1];
  EXPECT_GE(secret.size(), 32u) << "a route needs 128 random bits";
  for (const auto& args : all_cmdlines()) {
    for (const auto& a : args) EXPECT_EQ(a.find(secret), std::string::npos) << "route in argv: " << a;
  }
  core::write_file(tmp.path() / "first" / "go", "");
  // The second attempt runs: the first one's route, its attempt id and a guess are refused.
  ASSERT_TRUE(wait_for_file("running")) << slurp(tmp.path() / "err");
  const auto ports = listening_ports(run.pid());
  ASSERT_FALSE(ports.empty());
  std::string first_id;
  for (const auto& at : attempts()) first_id = at.state == store::AttemptState::done ? at.id : first_id;
  ASSERT_FALSE(first_id.empty());
  for (int p : ports) {
    for (const auto& route : {secret, first_id, std::string(32, '0')}) {
      EXPECT_EQ(tcp_status(p, "/r/" + route + "/v1/models"), 404) << route;
    }
  }
  core::write_file(tmp.path() / "go", "");
  ASSERT_EQ(run.wait(), 0) << slurp(tmp.path() / "err");
  const auto a = attempts();
  ASSERT_EQ(a.size(), 2u);
  for (const auto& at : a) EXPECT_EQ(at.calls, 1) << at.failure_detail;
  std::size_t first_rows = 0;
  for (const auto& c : calls()) first_rows += c.attempt_id == first_id;
  EXPECT_EQ(first_rows, 1u) << "the stale route's probes were counted";
  // Nothing agentrace wrote holds the route: store, records, logs.
  EXPECT_EQ(slurp(db()).find(secret), std::string::npos) << "route in the store";
  for (const auto& f : fs::recursive_directory_iterator(work())) {
    if (f.is_regular_file()) EXPECT_EQ(slurp(f.path()).find(secret), std::string::npos) << f.path();
  }
  for (const auto* log : {"err", "out"}) EXPECT_EQ(slurp(tmp.path() / log).find(secret), std::string::npos) << log;
}

TEST_F(HostileRoute, BaseUrlPlaceholderInArgvIsRefused) {
  const auto file = race_file("none", "true", "sim = \"zero\"");
  core::write_file(file, std::regex_replace(core::read_file(file), std::regex("\"true\""),
                                            "\"curl {base_url}/v1/models\""));
  const auto r = run(file);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("{base_url} in command"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("$AGENTRACE_BASE_URL"), std::string::npos) << r.err;
}

// --- an endpoint that stalls or refuses the key: a replaying sim ---

Json call_line(int status, std::int64_t head_ns, const std::vector<std::pair<std::int64_t, std::string>>& chunks) {
  Json c = {{"conversation", "c"}, {"status", status}, {"head_ns", head_ns},
            {"headers", Json::array({Json::array({"Content-Type", "text/event-stream"})})},
            {"chunks", Json::array()}};
  for (const auto& [at, data] : chunks) c["chunks"].push_back({{"offset_ns", at}, {"data", data}});
  return c;
}

constexpr std::int64_t kNever = 1'000'000'000'000;  // 1000 s: a stall
const std::string kChunk =
    R"(data: {"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"ok"}}]})"
    "\n\n";

class HostileEndpoint : public HostileRoute {
 protected:
  // Starts `agentrace sim --replay` answering the calls in order; returns its endpoint TOML.
  std::string endpoint(const std::vector<Json>& calls) {
    std::string lines;
    for (const auto& c : calls) lines += c.dump() + "\n";
    const auto name = fmt::format("sim-{}", ++sims_);  // a fresh file: never the last sim's URL
    core::write_file(tmp.path() / (name + ".jsonl"), lines);
    sim_ = std::make_unique<test::Process>(
        std::vector<std::string>{test::binary().string(), "sim", "--replay", (tmp.path() / (name + ".jsonl")).string(),
                                 "--listen", "127.0.0.1:0"},
        tmp.path() / (name + ".out"), tmp.path() / (name + ".err"));
    auto url = test::wait_for(tmp.path() / (name + ".out"), "\n");
    while (!url.empty() && url.back() == '\n') url.pop_back();
    return fmt::format("url = \"{}\"\nprotocol = \"openai-chat\"", url);
  }
  std::unique_ptr<test::Process> sim_;
  int sims_ = 0;
};

// One call of the agent: a streamed chat completion; curl's failures are the agent's to ignore.
std::string call_for(const std::string& model) {
  return "curl -sS -N $AGENTRACE_BASE_URL/v1/chat/completions -H 'Content-Type: application/json' -d '{\"model\":\"" +
         model + "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}'";
}
const std::string kCall = call_for("m");

TEST_F(HostileEndpoint, StallBeforeTheFirstByteUnderAShortLimitIsAStreamFailure) {
  // 10 s limit, the proxy's stall timeout (120 s) never comes: the agent is stopped waiting.
  const auto race = race_file("bwrap", kCall, endpoint({call_line(200, kNever, {{kNever, kChunk}})}),
                              "[limits]\nagent_seconds = 10\n");
  const auto r = run(race);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("1 attempt(s) ended in infrastructure errors (stream 1)"), std::string::npos) << r.err;
  const auto a = attempts();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].state, store::AttemptState::infra_error);
  EXPECT_EQ(a[0].failure, store::FailureClass::stream) << a[0].failure_detail;
  EXPECT_FALSE(a[0].grade.has_value());
}

TEST_F(HostileEndpoint, StallsUnderALongLimitAreStreamFailuresWhateverTheAgentDidNext) {
  // A 120 s limit, a 2 s stall timeout: each call is cut (504 before the first byte, a cut
  // stream mid-way), the agent shrugs, tries again and exits 0.
  const auto cases = {std::pair{"before the first byte", call_line(200, kNever, {{kNever, kChunk}})},
                      std::pair{"mid-stream", call_line(200, 0, {{0, kChunk}, {kNever, kChunk}})}};
  for (const auto& [name, stalled] : cases) {
    SCOPED_TRACE(name);
    fs::remove(db());
    const auto race = race_file("bwrap", kCall + "; " + kCall + "; exit 0", endpoint({stalled, stalled}),
                                "[limits]\nagent_seconds = 120\nstall_seconds = 2\n");
    const auto r = run(race);
    EXPECT_EQ(r.exit_code, 3) << r.err;
    const auto a = attempts();
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].exit_code, 0);
    EXPECT_EQ(a[0].failure, store::FailureClass::stream) << a[0].failure_detail;
    EXPECT_NE(a[0].failure_detail.find("no byte for 2 s"), std::string::npos) << a[0].failure_detail;
    EXPECT_FALSE(a[0].grade.has_value());
    EXPECT_LT(a[0].wall_s, 60.0);
  }
}

class RefusedKey : public HostileEndpoint, public ::testing::WithParamInterface<int> {};

TEST_P(RefusedKey, IsAnAuthFailureAndARerunRetriesTheAttempt) {
  const std::string body = R"({"error":{"type":"authentication_error","message":"invalid x-api-key"}})";
  auto refused = call_line(GetParam(), 0, {{0, body}});
  refused["headers"] = Json::array({Json::array({"Content-Type", "application/json"})});
  const auto race = race_file("bwrap", kCall + "; exit 0",
                              endpoint({refused, call_line(200, 0, {{0, kChunk}, {0, "data: [DONE]\n\n"}})}));
  const auto first = run(race);
  EXPECT_EQ(first.exit_code, 3) << first.err;
  EXPECT_NE(first.err.find("1 attempt(s) ended in infrastructure errors (auth 1)"), std::string::npos) << first.err;
  auto a = attempts();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(store::to_string(a[0].failure), "auth") << a[0].failure_detail;
  EXPECT_NE(a[0].failure_detail.find(fmt::format("HTTP {}", GetParam())), std::string::npos) << a[0].failure_detail;
  EXPECT_FALSE(a[0].grade.has_value());
  // The endpoint answers now: the same command retries the attempt, which is graded.
  const auto again = run(race);
  EXPECT_EQ(again.exit_code, 0) << again.err;
  a = attempts();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].state, store::AttemptState::done) << a[0].failure_detail;
  EXPECT_EQ(a[0].grade, 0);
  EXPECT_EQ(a[0].calls, 1);
}

INSTANTIATE_TEST_SUITE_P(Status, RefusedKey, ::testing::Values(401, 403));

TEST_F(HostileEndpoint, AnAgentCannotVoidItsAttemptByAskingForAForbiddenModel) {
  // The contender's model is "m"; the agent asks for another one, which the endpoint forbids.
  const std::string body = R"({"error":{"type":"permission_error","message":"not allowed to use this model"}})";
  auto forbidden = call_line(403, 0, {{0, body}});
  forbidden["headers"] = Json::array({Json::array({"Content-Type", "application/json"})});
  const auto r = run(race_file("bwrap", call_for("forbidden-model") + "; exit 0", endpoint({forbidden}), "", "m"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto a = attempts();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].state, store::AttemptState::done) << a[0].failure_detail;
  EXPECT_EQ(a[0].grade, 0);
}

}  // namespace
}  // namespace agentrace
