// src/proxy/recorder: a chat stream's record (usage, stop, tool call ids, server timings,
// first content) is the same whether its chunks come one a read or all in one read: the
// quick test that lets plain text deltas skip the JSON decoder never skips one that
// carries more.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "net/http.hpp"
#include "proxy/recorder.hpp"
#include "wire/codec.hpp"

namespace proxy = agentrace::proxy;
namespace wire = agentrace::wire;
namespace net = agentrace::net;

namespace {

std::vector<std::string> chat_stream() {
  wire::AssistantTurn t;
  t.id = "chatcmpl-1";
  t.model = "m";
  t.text = "The finish_reason and usage words, \"error\" too, inside text.";
  t.tool_calls.push_back({"call_abc", "bash", R"({"command":"ls"})"});
  t.stop = wire::StopReason::tool_use;
  t.usage = {1200, 40, 100, 7};
  t.timings = wire::ServerTimings{150.5, 400.25};
  std::vector<std::string> out;
  for (auto& chunk : wire::encode_stream(wire::Protocol::openai_chat, t, {1, 4, true, 0})) out.push_back(std::move(chunk.bytes));
  return out;
}

proxy::CallRecord record_of(const std::vector<std::string>& pieces) {
  const std::int64_t start = net::now_ns();
  proxy::Recorder rec(start, "POST", "/v1/chat/completions");
  rec.request(R"({"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]})");
  const std::string type = "text/event-stream";
  rec.response_head(200, &type);
  std::int64_t at = start;
  for (const auto& p : pieces) rec.piece(p, at += 1'000'000);
  net::FetchTimings t;
  t.start_ns = start;
  rec.finish({}, false, t, at);
  return rec.record();
}

}  // namespace

TEST(ProxyRecorder, AChatStreamRecordsTheSameInOneReadOrMany) {
  const auto chunks = chat_stream();
  std::string whole;
  for (const auto& c : chunks) whole += c;
  for (const auto& r : {record_of(chunks), record_of({whole})}) {
    EXPECT_EQ(r.input_tokens, 1200);
    EXPECT_EQ(r.output_tokens, 40);
    EXPECT_EQ(r.cached_tokens, 100);
    EXPECT_EQ(r.reasoning_tokens, 7);
    EXPECT_EQ(r.stop_reason, "tool_use");
    EXPECT_EQ(r.tool_call_ids, std::vector<std::string>{"call_abc"});
    EXPECT_EQ(r.server_prompt_ms, 150.5);
    EXPECT_EQ(r.server_predicted_ms, 400.25);
    EXPECT_GE(r.first_content_ms, 0);
    EXPECT_EQ(r.error, proxy::ErrorClass::none) << r.error_detail;
  }
  EXPECT_EQ(record_of(chunks).first_content_ms, 2.0);  // the second read: after the role chunk
}
