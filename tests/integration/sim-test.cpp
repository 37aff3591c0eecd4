// `agentrace sim` as a process, with curl as the client: the three protocols streaming
// and not, HEAD / and GET /v1/models, a multi-turn tool loop, suite scripts whose tool
// call really applies the fix, timing against the profile, many concurrent streams,
// replay, a Unix socket, and byte-identical bodies through `agentrace proxy`.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/fs.hpp"
#include "net/http.hpp"
#include "support/test-support.hpp"
#include "wire/codec.hpp"

namespace fs = std::filesystem;
namespace wire = agentrace::wire;
using Json = nlohmann::json;
using namespace std::chrono_literals;
using agentrace::test::data_dir;
using agentrace::test::run_command;
using agentrace::test::wait_for;

namespace {

std::string slurp(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class SimTest : public ::testing::Test {
 protected:
  // Starts `agentrace sim ARGS` and reads its URL from stdout.
  std::string start(std::vector<std::string> args) {
    const auto n = std::to_string(children_.size());
    const auto out = tmp_.path() / ("sim" + n + ".out"), err = tmp_.path() / ("sim" + n + ".err");
    args.insert(args.begin(), {agentrace::test::binary().string(), "sim"});
    children_.push_back(std::make_unique<agentrace::test::Process>(args, out, err));
    const std::string text = wait_for(out, "\n");
    EXPECT_FALSE(text.empty()) << slurp(err);
    return text.substr(0, text.find('\n'));
  }

  fs::path write(const std::string& name, const std::string& text) {
    agentrace::core::write_file(tmp_.path() / name, text);
    return tmp_.path() / name;
  }

  struct Response {
    std::string headers;
    std::string body;
  };
  // POSTs `body` with curl; headers and body kept apart.
  Response post(const std::string& url, const std::string& body, const std::string& extra = "") {
    const auto file = write("request.json", body);
    const auto head = tmp_.path() / "head", out = tmp_.path() / "body";
    const auto r = run_command("curl -sS -N --fail-with-body -D " + head.string() + " -o " + out.string() + " " + extra +
                               " -H 'Content-Type: application/json' --data-binary @" + file.string() + " '" + url + "'");
    EXPECT_EQ(r.exit_code, 0) << r.err << slurp(out);
    return {slurp(head), slurp(out)};
  }

  agentrace::core::TempDir tmp_{"agentrace-sim-it"};
  std::vector<std::unique_ptr<agentrace::test::Process>> children_;
};

Json chat_request(bool stream, const std::string& prompt = "list the files") {
  return Json{{"model", "qwen-test"}, {"stream", stream}, {"stream_options", {{"include_usage", true}}},
              {"messages", {{{"role", "system"}, {"content", "be brief"}}, {{"role", "user"}, {"content", prompt}}}},
              {"tools", {{{"type", "function"}, {"function", {{"name", "bash"}, {"parameters", {{"type", "object"},
                {"properties", {{"command", {{"type", "string"}}}}}}}}}}}}};
}

Json anthropic_request(bool stream, const std::string& prompt = "list the files") {
  return Json{{"model", "claude-test"}, {"max_tokens", 32000}, {"stream", stream},
              {"messages", {{{"role", "system"}, {"content", "reminder"}},
                            {{"role", "user"}, {"content", {{{"type", "text"}, {"text", prompt}}}}}}},
              {"tools", {{{"name", "Bash"}, {"input_schema", {{"type", "object"}, {"properties",
                {{"command", {{"type", "string"}}}, {"description", {{"type", "string"}}}}}}}}}}};
}

Json responses_request(bool stream, const std::string& prompt = "list the files") {
  return Json{{"model", "gpt-test"}, {"stream", stream}, {"instructions", "you are codex"},
              {"input", {{{"type", "message"}, {"role", "user"}, {"content", {{{"type", "input_text"}, {"text", prompt}}}}}}},
              {"tools", {{{"type", "function"}, {"name", "exec_command"}, {"parameters", {{"type", "object"},
                {"properties", {{"cmd", {{"type", "string"}}}}}}}}, {{"type", "web_search"}}}}};
}

struct Case {
  wire::Protocol protocol;
  const char* path;
  Json (*request)(bool, const std::string&);
  const char* shell_tool;
};

const Case cases[] = {
    {wire::Protocol::openai_chat, "/v1/chat/completions", chat_request, "bash"},
    {wire::Protocol::anthropic_messages, "/v1/messages?beta=true", anthropic_request, "Bash"},
    {wire::Protocol::openai_responses, "/v1/responses", responses_request, "exec_command"},
};

wire::AssistantTurn decode(wire::Protocol protocol, const std::string& body, bool stream) {
  if (!stream) return wire::decode_response(protocol, body);
  auto decoder = wire::make_stream_decoder(protocol);
  decoder->feed(body);
  decoder->finish();
  return decoder->turn();
}

// Appends the assistant's turn (all its tool calls) and then their results, as each
// protocol's clients do.
void append_turn(wire::Protocol protocol, Json& request, const wire::AssistantTurn& turn) {
  if (protocol == wire::Protocol::openai_chat) {
    Json calls = Json::array();
    for (const auto& call : turn.tool_calls) {
      calls.push_back({{"id", call.id}, {"type", "function"}, {"function", {{"name", call.name}, {"arguments", call.arguments}}}});
    }
    request["messages"].push_back({{"role", "assistant"}, {"content", nullptr}, {"tool_calls", calls}});
    for (const auto& call : turn.tool_calls) {
      request["messages"].push_back({{"role", "tool"}, {"tool_call_id", call.id}, {"content", "ok"}});
    }
  } else if (protocol == wire::Protocol::anthropic_messages) {
    Json uses = Json::array(), results = Json::array();
    for (const auto& call : turn.tool_calls) {
      uses.push_back({{"type", "tool_use"}, {"id", call.id}, {"name", call.name}, {"input", Json::parse(call.arguments)}});
      results.push_back({{"type", "tool_result"}, {"tool_use_id", call.id}, {"content", "ok"}});
    }
    request["messages"].push_back({{"role", "assistant"}, {"content", uses}});
    request["messages"].push_back({{"role", "user"}, {"content", results}});
  } else {
    for (const auto& call : turn.tool_calls) {
      request["input"].push_back({{"type", "function_call"}, {"call_id", call.id}, {"name", call.name},
                                  {"arguments", call.arguments}});
    }
    for (const auto& call : turn.tool_calls) {
      request["input"].push_back({{"type", "function_call_output"}, {"call_id", call.id}, {"output", "ok"}});
    }
  }
}

}  // namespace

TEST_F(SimTest, EveryProtocolStreamingAndNot) {
  const auto url = start({"--listen", "127.0.0.1:0", "--quiet"});
  ASSERT_TRUE(url.starts_with("http://127.0.0.1:")) << url;
  for (const auto& c : cases) {
    for (const bool stream : {true, false}) {
      SCOPED_TRACE(std::string(c.path) + (stream ? " stream" : " whole"));
      const auto r = post(url + c.path, c.request(stream, "list the files").dump());
      EXPECT_NE(r.headers.find("x-agentrace-simulated: 1"), std::string::npos) << r.headers;
      EXPECT_NE(r.headers.find(stream ? "text/event-stream" : "application/json"), std::string::npos);
      const auto turn = decode(c.protocol, r.body, stream);
      EXPECT_FALSE(turn.error) << turn.error->message << "\n" << r.body;
      ASSERT_EQ(turn.tool_calls.size(), 1u) << r.body;
      EXPECT_EQ(turn.tool_calls[0].name, c.shell_tool);
      EXPECT_NE(turn.tool_calls[0].arguments.find("\"ls\""), std::string::npos);
      EXPECT_EQ(turn.stop, wire::StopReason::tool_use);
      EXPECT_EQ(turn.model, c.request(stream, "")["model"]);
      ASSERT_TRUE(turn.usage.input && turn.usage.output) << r.body;
      EXPECT_EQ(*turn.usage.input, static_cast<std::int64_t>(c.request(stream, "list the files").dump().size() / 4));
      EXPECT_GT(*turn.usage.output, 0);
    }
  }
}

TEST_F(SimTest, ChatUsageChunkOnlyWhenAskedFor) {
  const auto url = start({"--quiet"});
  Json req = chat_request(true);
  req.erase("stream_options");
  const auto r = post(url + "/v1/chat/completions", req.dump());
  EXPECT_EQ(r.body.find("\"usage\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"timings\""), std::string::npos) << r.body;  // llama.cpp style, on the last choice chunk
  EXPECT_TRUE(r.body.ends_with("data: [DONE]\n\n"));
}

TEST_F(SimTest, HeadRootAndModels) {
  const auto url = start({"--model", "alpha", "--model", "beta", "--quiet"});
  auto r = run_command("curl -sS -I " + url + "/");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("HTTP/1.1 200"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("x-agentrace-simulated: 1"), std::string::npos) << r.out;
  r = run_command("curl -sS --fail " + url + "/v1/models");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json models = Json::parse(r.out);
  ASSERT_EQ(models["data"].size(), 2u);
  EXPECT_EQ(models["data"][0]["id"], "alpha");
  EXPECT_EQ(models["data"][1]["id"], "beta");
  EXPECT_EQ(models["object"], "list");
  r = run_command("curl -sS -o /dev/null -w '%{http_code}' " + url + "/v1/nothing");
  EXPECT_EQ(r.out, "404");
  r = run_command("curl -sS -o /dev/null -w '%{http_code}' -d '{nope' " + url + "/v1/chat/completions");
  EXPECT_EQ(r.out, "400");
}

TEST_F(SimTest, MultiTurnToolLoopFollowsTheScript) {
  const auto url = start({"--script", (data_dir() / "sim" / "fix-sum.toml").string(), "--quiet"});
  const std::string prompt = "Fix the bug: sum() of an empty list raises.";
  for (const auto& c : cases) {
    SCOPED_TRACE(c.path);
    Json request = c.request(true, prompt);
    std::vector<std::size_t> calls_per_turn;
    wire::AssistantTurn turn;
    for (int step = 0; step < 6; ++step) {
      turn = decode(c.protocol, post(url + c.path, request.dump()).body, true);
      if (turn.tool_calls.empty()) break;
      calls_per_turn.push_back(turn.tool_calls.size());
      append_turn(c.protocol, request, turn);
    }
    EXPECT_EQ(calls_per_turn, (std::vector<std::size_t>{1, 2, 1}));
    EXPECT_EQ(turn.text, "Fixed: sum() of an empty list returns 0.");
    EXPECT_EQ(turn.stop, wire::StopReason::end_turn);
  }
}

TEST_F(SimTest, SuiteScriptAppliesTheFix) {
  const auto suite_dir = data_dir() / "suites" / "tiny";
  const auto url = start({"--suite", suite_dir.string(), "--quiet"});
  const std::string statement = slurp(suite_dir / "shell-sum" / "statement.md");
  const auto turn = decode(wire::Protocol::openai_chat,
                           post(url + "/v1/chat/completions", chat_request(false, "Task:\n" + statement).dump()).body, false);
  ASSERT_EQ(turn.tool_calls.size(), 1u);
  const std::string command = Json::parse(turn.tool_calls[0].arguments)["command"];
  // Run the command in a fresh repository made from the task's files.
  const auto repo = tmp_.path() / "repo";
  fs::copy(suite_dir / "shell-sum" / "repo", repo, fs::copy_options::recursive);
  auto r = run_command("cd " + repo.string() + " && git init -q && git add -A && git -c user.email=a@b -c user.name=a commit -qm base");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  write("apply.sh", command);
  r = run_command("cd " + repo.string() + " && bash " + (tmp_.path() / "apply.sh").string());
  ASSERT_EQ(r.exit_code, 0) << r.err << command;
  EXPECT_NE(slurp(repo / "sum.sh").find("FIX-MARKER-91c2d0"), std::string::npos);
}

namespace {

struct TimedEvent {
  double at_ms;        // since the first byte of the body
  std::size_t tokens;  // content tokens it carried (0: no content)
};

// Streams with curl -N through a pipe, timing each SSE event by the read that completed it.
std::vector<TimedEvent> timed_stream(const std::string& cmd, wire::Protocol protocol, double* first_byte_ms) {
  FILE* pipe = popen(cmd.c_str(), "r");
  const auto start = std::chrono::steady_clock::now();
  std::vector<TimedEvent> events;
  std::string pending;
  auto decoder = wire::make_stream_decoder(protocol);
  double first = -1;
  char buf[65536];
  for (;;) {
    const ssize_t n = read(fileno(pipe), buf, sizeof buf);
    if (n <= 0) break;
    const double at = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (first < 0) first = at;
    pending.append(buf, static_cast<std::size_t>(n));
    for (auto end = pending.find("\n\n"); end != std::string::npos; end = pending.find("\n\n")) {
      std::size_t bytes = 0;
      bool content = false;
      for (const auto& ev : decoder->feed(pending.substr(0, end + 2))) {
        bytes += ev.content_bytes;
        content = content || ev.kind == wire::EventKind::content_started || ev.content_bytes > 0;
      }
      events.push_back({at - first, content ? std::max<std::size_t>(1, (bytes + 3) / 4) : 0});
      pending.erase(0, end + 2);
    }
  }
  pclose(pipe);
  *first_byte_ms = first;
  return events;
}

}  // namespace

TEST_F(SimTest, StreamTimingFollowsTheProfile) {
  // steady: rtt 5 ms, ttft 150 ms + 100 ms per 1k prompt tokens, 200 tokens/s, 2 tokens a chunk.
  const auto url = start({"--profile", (data_dir() / "sim" / "steady.toml").string(), "--script",
                          (data_dir() / "sim" / "long-text.toml").string(), "--quiet"});
  const std::string body = chat_request(true, "please write a long answer").dump();
  const auto file = write("long.json", body);
  double first_byte = 0;
  const auto events = timed_stream("curl -sS -N -H 'Content-Type: application/json' --data-binary @" + file.string() +
                                       " " + url + "/v1/chat/completions",
                                   wire::Protocol::openai_chat, &first_byte);
  ASSERT_GT(events.size(), 20u);
  std::size_t first = 0;
  while (first < events.size() && events[first].tokens == 0) ++first;
  std::size_t last = events.size() - 1;
  while (last > first && events[last].tokens == 0) --last;
  ASSERT_LT(first, last);
  // The role chunk comes with the head; the first content after the time to first token.
  const double ttft = 150 + 100.0 * static_cast<double>(body.size() / 4) / 1000;
  EXPECT_NEAR(events[first].at_ms, ttft, ttft * 0.2 + 5);
  std::size_t tokens = 0;
  for (std::size_t i = first + 1; i <= last; ++i) tokens += events[i].tokens;
  const double decode_ms = events[last].at_ms - events[first].at_ms;
  const double expected_ms = 1000.0 * static_cast<double>(tokens) / 200;
  EXPECT_NEAR(decode_ms, expected_ms, expected_ms * 0.2 + 5) << tokens << " tokens";
  // Each chunk carries two tokens (the last may carry fewer).
  EXPECT_EQ(events[first].tokens, 2u);
}

TEST_F(SimTest, ManyConcurrentStreamsRunSideBySide) {
  // 40 streams of ~600 ms each: one at a time would take 24 s.
  const auto url = start({"--profile", (data_dir() / "sim" / "steady.toml").string(), "--script",
                          (data_dir() / "sim" / "long-text.toml").string(), "--quiet"});
  const auto file = write("long.json", chat_request(true, "please write a long answer").dump());
  const auto started = std::chrono::steady_clock::now();
  const auto r = run_command("for i in $(seq 40); do curl -sS -N -o " + tmp_.path().string() +
                             "/par$i -H 'Content-Type: application/json' --data-binary @" + file.string() + " " + url +
                             "/v1/chat/completions & done; wait");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LT(seconds, 6.0);
  const std::string one = slurp(tmp_.path() / "par1");
  EXPECT_TRUE(one.ends_with("data: [DONE]\n\n"));
  for (int i = 2; i <= 40; ++i) EXPECT_EQ(slurp(tmp_.path() / ("par" + std::to_string(i))), one) << i;
}

TEST_F(SimTest, UnixSocket) {
  const auto sock = tmp_.path() / "sim.sock";
  const auto url = start({"--listen", sock.string(), "--quiet"});
  EXPECT_TRUE(url.starts_with("http+unix://%2F")) << url;  // a URL other commands take as it is
  EXPECT_EQ(agentrace::net::parse_url(url).unix_path, sock.string());
  const auto r = post("http://localhost/v1/chat/completions", chat_request(false).dump(), "--unix-socket " + sock.string());
  EXPECT_EQ(decode(wire::Protocol::openai_chat, r.body, false).tool_calls.size(), 1u) << r.body;
}

TEST_F(SimTest, ReplaysACassetteInOrderWithScaledTiming) {
  const auto cassette = data_dir() / "sim" / "cassette.jsonl";
  const auto url = start({"--replay", cassette.string(), "--replay-timing", "scaled:0.5", "--quiet"});
  std::vector<std::string> expected;
  {
    std::ifstream in(cassette);
    for (std::string line; std::getline(in, line);) {
      std::string body;
      const Json call = Json::parse(line);
      for (const auto& chunk : call["chunks"]) body += chunk["data"].get<std::string>();
      expected.push_back(body);
    }
  }
  const auto alpha = chat_request(true, "do task alpha").dump(), beta = chat_request(true, "do task beta").dump();
  const auto started = std::chrono::steady_clock::now();
  const auto a1 = post(url + "/v1/chat/completions", alpha);
  const double a1_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  EXPECT_EQ(a1.body, expected[0]);
  EXPECT_NE(a1.headers.find("X-Upstream: recorded"), std::string::npos) << a1.headers;
  EXPECT_NE(a1.headers.find("x-agentrace-simulated: 1"), std::string::npos);
  // Recorded: last chunk at 50 + 5 * 20 = 150 ms; scaled by 0.5: 75 ms.
  EXPECT_GT(a1_ms, 70);
  EXPECT_EQ(post(url + "/v1/chat/completions", beta).body, expected[1]);
  EXPECT_EQ(post(url + "/v1/chat/completions", alpha).body, expected[2]);
  const auto b2 = post(url + "/v1/chat/completions", beta);
  EXPECT_EQ(b2.body, expected[3]);
  EXPECT_NE(b2.headers.find("Content-Length: 39"), std::string::npos) << b2.headers;
  const auto r = run_command("curl -sS -o /dev/null -w '%{http_code}' -d '" + alpha + "' " + url + "/v1/chat/completions");
  EXPECT_EQ(r.out, "400");  // alpha has no call left
}

TEST_F(SimTest, ProxyRelaysSimBytesUnchangedAndTimesTheInjectedTtft) {
  const auto url = start({"--profile", (data_dir() / "sim" / "steady.toml").string(), "--quiet"});
  const auto record = tmp_.path() / "calls.jsonl", err = tmp_.path() / "proxy.err";
  agentrace::test::Process proxy({agentrace::test::binary().string(), "proxy", "--upstream", url, "--listen", "127.0.0.1:0", "--record", record.string()},
              tmp_.path() / "proxy.out", err);
  const auto banner = wait_for(err, "listening on ");
  ASSERT_FALSE(banner.empty());
  const auto at = banner.find("http://127.0.0.1:");
  const auto proxy_url = banner.substr(at, banner.find(' ', at) - at);

  std::vector<std::string> bodies;  // in the order the proxy saw them
  for (const auto& c : cases) {
    for (const bool stream : {true, false}) {
      const std::string body = c.request(stream, "list the files").dump();
      const auto direct = post(url + c.path, body).body;
      const auto proxied = post(proxy_url + c.path, body).body;
      EXPECT_FALSE(direct.empty());
      EXPECT_EQ(proxied, direct) << c.path << (stream ? " stream" : " whole");
      bodies.push_back(body);
    }
    for (int i = 0; i < 4; ++i) {  // more streams for the timing check below
      bodies.push_back(c.request(true, "list the files").dump());
      post(proxy_url + c.path, bodies.back());
    }
  }
  EXPECT_EQ(proxy.stop(), 0);
  // Timers fire late, never early, when the machine is busy: each call may be late by
  // scheduler noise.
  std::vector<double> late_ms;
  std::ifstream in(record);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line); ++n) {
    ASSERT_LT(n, bodies.size());
    if (!Json::parse(bodies[n])["stream"].get<bool>()) continue;
    const Json rec = Json::parse(line);
    const double injected = 5 + 150 + 100.0 * static_cast<double>(bodies[n].size() / 4) / 1000;
    const double late = rec["first_content_ms"].get<double>() - injected;
    EXPECT_GT(late, -0.5) << line.substr(0, 300);
    EXPECT_LT(late, 30) << line.substr(0, 300);
    EXPECT_GT(rec["response_headers_ms"].get<double>(), 4.5);
    late_ms.push_back(late);
  }
  EXPECT_EQ(n, bodies.size());
  std::sort(late_ms.begin(), late_ms.end());
  ASSERT_EQ(late_ms.size(), 15u);
  // Load only adds lateness (CI once saw a 3.2 ms median with this test running alone), so
  // the tight bound is on the quickest call; the median gets the 10 ms proxy-curl-test also
  // allows absolute TTFT. The proxy's own timing to 1 ms is checked there on intervals.
  EXPECT_LT(late_ms.front(), 3.0) << "quickest lateness of the first content chunk through the proxy";
  EXPECT_LT(late_ms[7], 10.0) << "median lateness of the first content chunk through the proxy";
}
