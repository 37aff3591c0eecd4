// `agentrace proxy` and `agentrace relay` as processes, with curl as the client: the
// bodies curl gets through them are byte-identical to what it gets straight from the
// upstream, streaming or not, and every call lands in the --record file.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/fs.hpp"
#include "net/server.hpp"
#include "support/test-support.hpp"

namespace net = agentrace::net;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::string sse_event(int i) {
  return "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":[{\"index\":0,"
         "\"delta\":{\"content\":\"token " + std::to_string(i) + " \\u00e9\"}}]}\n\n";
}

// /stream: 20 SSE events 5 ms apart, chunked. /json: a Content-Length body.
// /big: 3 MB in 64 KB pieces. Anything else: 404.
void upstream_handler(std::shared_ptr<net::Exchange> ex) {
  ex->read_all([ex](std::string, const net::Error&) {
    const auto& target = ex->request().target;
    if (target.starts_with("/v1/chat/completions")) {
      ex->write_head(net::ResponseHead{200, "", {}, std::nullopt});
      auto i = std::make_shared<int>(0);
      auto step = std::make_shared<std::function<void()>>();
      *step = [ex, i, step] {
        if (*i == 20) {
          ex->write_body("data: [DONE]\n\n");
          ex->finish();
          *step = nullptr;
          return;
        }
        ex->write_body(sse_event((*i)++));
        ex->loop().after(5ms, *step);
      };
      (*step)();
    } else if (target == "/json") {
      net::respond(*ex, 200, R"({"id":"x","choices":[{"message":{"content":"hi"}}],"usage":{"prompt_tokens":3,"completion_tokens":1}})",
                   "application/json");
    } else if (target == "/big") {
      net::ResponseHead head;
      head.content_length = 48 * 65536;
      ex->write_head(head);
      for (int k = 0; k < 48; ++k) ex->write_body(std::string(65536, static_cast<char>('a' + k % 26)));
      ex->finish();
    } else {
      net::respond(*ex, 404, "no such path\n");
    }
  });
}

// A child process (the agentrace binary) whose stderr goes to a file.
class Child {
 public:
  Child(const std::vector<std::string>& args, const fs::path& err_file) {
    pid_ = fork();
    if (pid_ == 0) {
      freopen(err_file.c_str(), "w", stderr);
      freopen("/dev/null", "r", stdin);
      std::vector<char*> argv;
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
  }
  ~Child() {
    if (pid_ > 0) stop();
  }
  int stop() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  pid_t pid_ = -1;
};

// Waits until `file` holds `marker`; returns the text.
std::string wait_for(const fs::path& file, const std::string& marker) {
  for (int i = 0; i < 500; ++i) {
    std::ifstream in(file);
    std::stringstream s;
    s << in.rdbuf();
    if (s.str().find(marker) != std::string::npos) return s.str();
    std::this_thread::sleep_for(10ms);
  }
  return {};
}

struct ProxyProcess : ::testing::Test {
  void SetUp() override {
    server = std::make_unique<net::Server>(loop, net::ListenSpec{}, upstream_handler);
    loop.start();
  }
  void TearDown() override {
    server->close();
    loop.stop();
  }
  // curl's body for url+path, written to a file and read back.
  std::string curl(const std::string& base, const std::string& path, const std::string& extra = "") {
    const auto out = tmp.path() / "body";
    const auto r = agentrace::test::run_command("curl -sS -N --fail-with-body " + extra + " -o " + out.string() +
                                                " -H 'Authorization: Bearer dummy' -H 'Content-Type: application/json'"
                                                " -d '{\"model\":\"m\",\"stream\":true,\"messages\":[]}' " + base + path);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return agentrace::core::read_file(out);
  }

  agentrace::core::TempDir tmp{"agentrace-proxy-it"};
  net::EventLoop loop;
  std::unique_ptr<net::Server> server;
};

TEST_F(ProxyProcess, CurlGetsByteIdenticalBodiesThroughTheProxy) {
  const auto record = tmp.path() / "calls.jsonl";
  const auto err = tmp.path() / "proxy.err";
  Child proxy({agentrace::test::binary().string(), "proxy", "--upstream", server->url(), "--listen", "127.0.0.1:0",
               "--record", record.string()},
              err);
  const auto banner = wait_for(err, "listening on ");
  ASSERT_FALSE(banner.empty());
  const auto at = banner.find("http://127.0.0.1:");
  const auto proxy_url = banner.substr(at, banner.find(' ', at) - at);

  for (const std::string path : {"/v1/chat/completions", "/json", "/big"}) {
    const auto direct = curl(server->url(), path);
    const auto proxied = curl(proxy_url, path);
    EXPECT_FALSE(direct.empty());
    EXPECT_EQ(proxied, direct) << path;
  }
  EXPECT_EQ(proxy.stop(), 0);

  std::ifstream in(record);
  std::vector<nlohmann::json> calls;
  for (std::string line; std::getline(in, line);) calls.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0]["protocol"], "openai-chat");
  EXPECT_EQ(calls[0]["error"], "none");
  EXPECT_EQ(calls[0]["chunk_count"], 21);
  EXPECT_GT(calls[0]["first_content_ms"].get<double>(), 0);
  EXPECT_EQ(calls[1]["output_tokens"], 1);  // an unknown path whose body is a chat request: decoded too
  EXPECT_EQ(calls[1]["stream"], true);
  EXPECT_EQ(calls[2]["response_bytes"], 48 * 65536);
}

TEST_F(ProxyProcess, TheRelayCarriesTrafficToTheProxysUnixSocket) {
  const auto sock = tmp.path() / "proxy.sock";
  Child proxy({agentrace::test::binary().string(), "proxy", "--upstream", server->url(), "--unix", sock.string(),
               "--quiet", "--record", (tmp.path() / "calls.jsonl").string()},
              tmp.path() / "proxy.err");
  ASSERT_FALSE(wait_for(tmp.path() / "proxy.err", "listening on").empty());
  // The relay runs curl itself once it listens, and exits with curl's status.
  const auto out = tmp.path() / "relayed";
  const auto r = agentrace::test::run_command(
      agentrace::test::binary().string() + " relay --unix " + sock.string() +
      " -- sh -c 'curl -sS -N -o " + out.string() +
      " -d \"{\\\"model\\\":\\\"m\\\",\\\"stream\\\":true}\" http://127.0.0.1:$AGENTRACE_RELAY_PORT/v1/chat/completions'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(agentrace::core::read_file(out), curl(server->url(), "/v1/chat/completions"));
}

TEST_F(ProxyProcess, TheRelayExitsOnSigterm) {
  const auto err = tmp.path() / "relay.err";
  const auto port_file = tmp.path() / "relay.port";
  const auto r = agentrace::test::run_command(
      agentrace::test::binary().string() + " relay --unix /nonexistent.sock > " + port_file.string() +
      " & pid=$!; sleep 0.3; kill -TERM $pid; wait $pid; echo exit=$?");
  EXPECT_NE(r.out.find("exit=0"), std::string::npos) << r.out << r.err;
  EXPECT_GT(std::stoi(agentrace::core::read_file(port_file)), 0);
}

}  // namespace
