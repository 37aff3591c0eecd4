// The built-in agent loop over HTTP against an in-test endpoint that serves scripted
// SSE turns (wire::encode_stream) or errors: both protocols, retries after a 500 or a
// malformed stream, giving up after repeated 500s, and the step and token limits.
#include <deque>
#include <mutex>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "agent/agent.hpp"
#include "core/fs.hpp"
#include "net/server.hpp"
#include "wire/codec.hpp"

namespace agent = agentrace::agent;
namespace core = agentrace::core;
namespace net = agentrace::net;
namespace wire = agentrace::wire;
using Json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

// What the endpoint answers to one request.
struct Reply {
  int status = 200;
  wire::AssistantTurn turn;
  std::string raw;  // sent as the body instead of the turn's stream when set
};

struct Seen {
  std::string target;
  std::string body;
  net::Headers headers;
};

wire::AssistantTurn tool_turn(const std::string& name, const Json& args, const std::string& id = "c1") {
  wire::AssistantTurn t;
  t.model = "m";
  t.tool_calls.push_back(wire::ToolCall{id, name, args.dump()});
  t.usage = wire::Usage{100, 10, {}, {}};
  t.stop = wire::StopReason::tool_use;
  return t;
}

wire::AssistantTurn text_turn(const std::string& text) {
  wire::AssistantTurn t;
  t.model = "m";
  t.text = text;
  t.usage = wire::Usage{120, 5, {}, {}};
  t.stop = wire::StopReason::end_turn;
  return t;
}

Reply ok(wire::AssistantTurn t) { return Reply{200, std::move(t), {}}; }
Reply status(int s) { return Reply{s, {}, R"({"error":{"type":"server_error","message":"boom"}})"}; }

class FakeEndpoint {
 public:
  FakeEndpoint(wire::Protocol protocol, std::deque<Reply> replies) : protocol_(protocol), replies_(std::move(replies)) {
    server_ = std::make_unique<net::Server>(loop_, net::ListenSpec{}, [this](auto ex) { handle(std::move(ex)); });
    loop_.start();
  }
  ~FakeEndpoint() {
    server_->close();
    loop_.stop();
  }
  std::string url() const { return server_->url(); }
  std::vector<Seen> seen() {
    std::lock_guard g(mutex_);
    return seen_;
  }

 private:
  void handle(std::shared_ptr<net::Exchange> ex) {
    ex->read_all([this, ex](std::string body, const net::Error&) {
      Reply r = next(Seen{ex->request().target, body, ex->request().headers});
      if (r.status != 200) return net::respond(*ex, r.status, r.raw, "application/json");
      net::ResponseHead head;
      head.headers.add("Content-Type", "text/event-stream");
      ex->write_head(std::move(head));
      if (!r.raw.empty()) {
        ex->write_body(r.raw);
      } else {
        for (auto& chunk : wire::encode_stream(protocol_, r.turn)) ex->write_body(std::move(chunk.bytes));
      }
      ex->finish();
    });
  }
  Reply next(Seen s) {
    std::lock_guard g(mutex_);
    seen_.push_back(std::move(s));
    if (replies_.empty()) return ok(text_turn("out of script"));
    Reply r = replies_.front();
    if (replies_.size() > 1) replies_.pop_front();  // the last reply repeats
    return r;
  }

  wire::Protocol protocol_;
  std::mutex mutex_;
  std::deque<Reply> replies_;
  std::vector<Seen> seen_;
  net::EventLoop loop_;
  std::unique_ptr<net::Server> server_;
};

struct Outcome {
  agent::Summary summary;
  std::vector<Json> events;
  std::vector<Json> transcript;
};

std::vector<Json> lines(const std::string& text) {
  std::vector<Json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(Json::parse(line));
  return out;
}

struct AgentLoopTest : ::testing::Test {
  core::TempDir dir{"agent-loop"};
  agent::Options options;

  void SetUp() override {
    core::write_file(dir.path() / "a.txt", "hello\n");
    options.prompt = "Fix the bug in a.txt";
    options.request.model = "m";
    options.retry.backoff = 1ms;
  }

  Outcome run(FakeEndpoint& endpoint, wire::Protocol protocol) {
    options.request.protocol = protocol;
    const std::string base = protocol == wire::Protocol::openai_chat ? endpoint.url() + "/v1" : endpoint.url();
    auto client = agent::make_http_client({protocol, base, "dummy-key"});
    agent::Tools tools(dir.path());
    std::ostringstream events, transcript;
    Outcome r;
    r.summary = agent::run_agent(options, *client, tools, events, &transcript);
    r.events = lines(events.str());
    r.transcript = lines(transcript.str());
    return r;
  }
};

std::vector<Json> of_type(const std::vector<Json>& events, const std::string& type) {
  std::vector<Json> out;
  for (const auto& e : events)
    if (e["type"] == type) out.push_back(e);
  return out;
}

TEST_F(AgentLoopTest, OpenAiChatRunsToolsUntilTheModelStops) {
  FakeEndpoint endpoint(wire::Protocol::openai_chat,
                        {ok(tool_turn("bash", {{"command", "echo fixed > a.txt"}})), ok(text_turn("Done."))});
  const auto r = run(endpoint, wire::Protocol::openai_chat);
  EXPECT_EQ(r.summary.stop, agent::Stop::done) << r.summary.error;
  EXPECT_EQ(r.summary.turns, 2);
  EXPECT_EQ(r.summary.tool_calls, 1);
  EXPECT_EQ(r.summary.input_tokens, 220);
  EXPECT_EQ(r.summary.output_tokens, 15);
  EXPECT_EQ(core::read_file(dir.path() / "a.txt"), "fixed\n");

  const auto seen = endpoint.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].target, "/v1/chat/completions");
  ASSERT_NE(seen[0].headers.find("Authorization"), nullptr);
  EXPECT_EQ(*seen[0].headers.find("Authorization"), "Bearer dummy-key");
  const auto second = Json::parse(seen[1].body);
  const auto& result = second["messages"].back();
  EXPECT_EQ(result["role"], "tool");
  EXPECT_EQ(result["tool_call_id"], "c1");
  EXPECT_EQ(result["content"], "(no output)\n[exit code 0]");

  const auto tools = of_type(r.events, "tool");
  ASSERT_EQ(tools.size(), 1u);
  EXPECT_EQ(tools[0]["name"], "bash");
  EXPECT_EQ(tools[0]["exit"], 0);
  EXPECT_LE(tools[0]["start_ns"].get<std::int64_t>(), tools[0]["end_ns"].get<std::int64_t>());
  const auto calls = of_type(r.events, "call");
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1]["input_tokens"], 120);
  EXPECT_EQ(r.events.back()["type"], "result");
  EXPECT_EQ(r.events.back()["stop"], "done");
  EXPECT_TRUE(r.events.back()["error"].is_null());

  EXPECT_EQ(r.transcript.front()["type"], "start");
  EXPECT_EQ(of_type(r.transcript, "request").size(), 2u);
  EXPECT_EQ(of_type(r.transcript, "response").size(), 2u);
  EXPECT_EQ(of_type(r.transcript, "request")[1]["new"].size(), 2u);  // the answer and its results
}

TEST_F(AgentLoopTest, AnthropicMessagesRunsToolsUntilTheModelStops) {
  FakeEndpoint endpoint(wire::Protocol::anthropic_messages,
                        {ok(tool_turn("edit", {{"path", "a.txt"}, {"old_string", "hello"}, {"new_string", "bye"}}, "toolu_1")),
                         ok(text_turn("Done."))});
  const auto r = run(endpoint, wire::Protocol::anthropic_messages);
  EXPECT_EQ(r.summary.stop, agent::Stop::done) << r.summary.error;
  EXPECT_EQ(r.summary.turns, 2);
  EXPECT_EQ(core::read_file(dir.path() / "a.txt"), "bye\n");
  const auto seen = endpoint.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].target, "/v1/messages");
  ASSERT_NE(seen[0].headers.find("x-api-key"), nullptr);
  EXPECT_EQ(*seen[0].headers.find("x-api-key"), "dummy-key");
  ASSERT_NE(seen[0].headers.find("anthropic-version"), nullptr);
  const auto second = Json::parse(seen[1].body);
  const auto& block = second["messages"].back()["content"][0];
  EXPECT_EQ(block["type"], "tool_result");
  EXPECT_EQ(block["tool_use_id"], "toolu_1");
  EXPECT_EQ(block["content"], "edited a.txt");
}

TEST_F(AgentLoopTest, RetriesAfterOneServerError) {
  for (auto p : {wire::Protocol::openai_chat, wire::Protocol::anthropic_messages}) {
    FakeEndpoint endpoint(p, {status(500), ok(text_turn("Done."))});
    const auto r = run(endpoint, p);
    EXPECT_EQ(r.summary.stop, agent::Stop::done) << r.summary.error;
    EXPECT_EQ(r.summary.turns, 1);
    EXPECT_EQ(endpoint.seen().size(), 2u);
    const auto calls = of_type(r.events, "call");
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_NE(calls[0]["error"].get<std::string>().find("HTTP 500"), std::string::npos);
    EXPECT_FALSE(calls[1].contains("error"));
  }
}

TEST_F(AgentLoopTest, RetriesAMalformedStream) {
  FakeEndpoint endpoint(wire::Protocol::openai_chat, {Reply{200, {}, "data: {not json\n\n"}, ok(text_turn("Done."))});
  const auto r = run(endpoint, wire::Protocol::openai_chat);
  EXPECT_EQ(r.summary.stop, agent::Stop::done) << r.summary.error;
  EXPECT_EQ(endpoint.seen().size(), 2u);
}

TEST_F(AgentLoopTest, GivesUpAfterRepeatedServerErrors) {
  FakeEndpoint endpoint(wire::Protocol::anthropic_messages, {status(503)});
  const auto r = run(endpoint, wire::Protocol::anthropic_messages);
  EXPECT_EQ(r.summary.stop, agent::Stop::error);
  EXPECT_EQ(endpoint.seen().size(), 3u);  // the first try and two retries
  EXPECT_NE(r.summary.error.find("HTTP 503"), std::string::npos) << r.summary.error;
  EXPECT_EQ(r.events.back()["stop"], "error");
  EXPECT_EQ(r.events.back()["turns"], 0);
}

TEST_F(AgentLoopTest, DoesNotRetryARejectedRequest) {
  FakeEndpoint endpoint(wire::Protocol::openai_chat, {status(400)});
  const auto r = run(endpoint, wire::Protocol::openai_chat);
  EXPECT_EQ(r.summary.stop, agent::Stop::error);
  EXPECT_EQ(endpoint.seen().size(), 1u);
}

TEST_F(AgentLoopTest, StopsAtMaxSteps) {
  FakeEndpoint endpoint(wire::Protocol::openai_chat, {ok(tool_turn("list_files", Json::object()))});
  options.limits.max_steps = 3;
  const auto r = run(endpoint, wire::Protocol::openai_chat);
  EXPECT_EQ(r.summary.stop, agent::Stop::max_steps);
  EXPECT_EQ(r.summary.turns, 3);
  EXPECT_EQ(r.summary.tool_calls, 3);
  EXPECT_EQ(endpoint.seen().size(), 3u);
}

TEST_F(AgentLoopTest, StopsAtMaxTotalTokens) {
  FakeEndpoint endpoint(wire::Protocol::openai_chat, {ok(tool_turn("list_files", Json::object()))});
  options.limits.max_total_tokens = 200;  // 110 a call
  const auto r = run(endpoint, wire::Protocol::openai_chat);
  EXPECT_EQ(r.summary.stop, agent::Stop::max_tokens);
  EXPECT_EQ(r.summary.turns, 2);
}

TEST_F(AgentLoopTest, StopsAtTheTimeLimit) {
  FakeEndpoint endpoint(wire::Protocol::openai_chat, {ok(tool_turn("bash", {{"command", "sleep 0.2"}}))});
  options.limits.time_limit = 500ms;
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = run(endpoint, wire::Protocol::openai_chat);
  EXPECT_EQ(r.summary.stop, agent::Stop::time_limit);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
}

TEST_F(AgentLoopTest, GivesUpWhenNothingListens) {
  agent::Tools tools(dir.path());
  // Nothing listens on port 1: connection refused on every try.
  auto client = agent::make_http_client({wire::Protocol::openai_chat, "http://127.0.0.1:1/v1", "k"});
  std::ostringstream events;
  const auto s = agent::run_agent(options, *client, tools, events, nullptr);
  EXPECT_EQ(s.stop, agent::Stop::error);
  EXPECT_NE(s.error.find("connect"), std::string::npos) << s.error;
  EXPECT_EQ(of_type(lines(events.str()), "call").size(), 3u);
}

}  // namespace
