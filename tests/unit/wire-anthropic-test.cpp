#include <gtest/gtest.h>

#include "wire-helpers.hpp"

namespace agentrace::wire {
namespace {

using test::decode_whole;
using test::read_capture;
constexpr Protocol messages = Protocol::anthropic_messages;

std::string event(const std::string& name, const std::string& json) {
  return "event: " + name + "\ndata: " + json + "\n\n";
}

TEST(WireAnthropic, DecodesClaudeStreamWithPingThinkingAndToolUse) {
  const auto d = decode_whole(messages, read_capture("anthropic-claude-tools.sse"));
  EXPECT_EQ(d.turn.id, "msg_01XFDUDYJgAACzvnptvVoYEL");
  EXPECT_EQ(d.turn.model, "claude-sonnet-4-5-20250929");
  EXPECT_EQ(d.turn.reasoning, "The user wants the tests run.");
  EXPECT_EQ(d.turn.text, "I'll run the test suite first.");
  ASSERT_EQ(d.turn.tool_calls.size(), 1u);
  EXPECT_EQ(d.turn.tool_calls[0], (ToolCall{"toolu_01T1x1fJ34qAmk2tNTrN7Up6", "Bash",
                                            R"({"command": "make test", "description": "Run tests"})"}));
  EXPECT_EQ(d.turn.stop, StopReason::tool_use);
  // input counts cached tokens too: 12 + 2048 created + 14000 read.
  EXPECT_EQ(d.turn.usage, (Usage{16060, 89, 14000, std::nullopt}));
  EXPECT_FALSE(d.turn.error);
  const auto k = test::kinds(d.events);
  EXPECT_EQ(k.front(), EventKind::message_started);
  EXPECT_EQ(k[2], EventKind::content_started);
  EXPECT_EQ(std::count(k.begin(), k.end(), EventKind::tool_call_started), 1);
  EXPECT_EQ(std::count(k.begin(), k.end(), EventKind::tool_arguments_delta), 2) << "empty partial_json is no delta";
}

TEST(WireAnthropic, ErrorEventAfterStatus200) {
  const auto d = decode_whole(messages, read_capture("anthropic-error-after-200.sse"));
  EXPECT_EQ(d.turn.text, "Let me");
  EXPECT_EQ(d.turn.error, (WireError{"overloaded_error", "Overloaded"}));
  EXPECT_EQ(d.turn.stop, StopReason::none);
  EXPECT_EQ(d.turn.usage.input, 2310);
  EXPECT_EQ(d.events.back().kind, EventKind::error) << "no extra 'truncated' after the server's own error";
}

TEST(WireAnthropic, SameEventsAtEverySplitAndInOneBytePieces) {
  for (const char* name : {"anthropic-claude-tools.sse", "anthropic-error-after-200.sse"}) {
    const std::string bytes = read_capture(name);
    EXPECT_EQ(test::first_bad_split(messages, bytes), -1) << name;
    EXPECT_EQ(test::decode_pieces(messages, test::one_byte_pieces(bytes)).events, decode_whole(messages, bytes).events);
    const std::string crlf = test::to_crlf(bytes);
    EXPECT_EQ(test::first_bad_split(messages, crlf), -1) << name;
    EXPECT_EQ(decode_whole(messages, crlf).turn, decode_whole(messages, bytes).turn);
  }
}

TEST(WireAnthropic, ToolUseWithoutArgumentDeltasUsesItsInput) {
  const auto d = decode_whole(
      messages, event("content_block_start", R"({"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t1","name":"Now","input":{}}})") +
                    event("content_block_delta", R"({"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":""}})") +
                    event("content_block_stop", R"({"type":"content_block_stop","index":0})") +
                    event("message_stop", R"({"type":"message_stop"})"));
  ASSERT_EQ(d.turn.tool_calls.size(), 1u);
  EXPECT_EQ(d.turn.tool_calls[0].arguments, "{}");
  EXPECT_FALSE(d.turn.error);
}

TEST(WireAnthropic, MalformedEventsAreReportedAndDecodingGoesOn) {
  const auto d = decode_whole(
      messages, event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,") +
                    event("content_block_delta", R"({"type":"content_block_delta","index":5,"delta":{"type":"input_json_delta","partial_json":"x"}})") +
                    event("content_block_delta", R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"ok"}})") +
                    event("message_delta", R"({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":"many"}})") +
                    event("message_stop", R"({"type":"message_stop"})"));
  EXPECT_EQ(d.turn.text, "ok");
  ASSERT_TRUE(d.turn.error);
  EXPECT_EQ(d.turn.error->type, "malformed");
  EXPECT_EQ(d.turn.stop, StopReason::end_turn);
  EXPECT_FALSE(d.turn.usage.output);
}

TEST(WireAnthropic, TruncatedStream) {
  const auto d = decode_whole(messages, event("content_block_start", R"({"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t","name":"Bash","input":{}}})") +
                                            event("content_block_delta", R"({"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"a"}})"));
  ASSERT_EQ(d.turn.tool_calls.size(), 1u);
  EXPECT_EQ(d.turn.tool_calls[0].arguments, "{\"a");
  EXPECT_EQ(d.turn.error->type, "truncated");
}

TEST(WireAnthropic, DecodesNonStreamingBodies) {
  const AssistantTurn turn = decode_response(messages, read_capture("anthropic-response.json"));
  EXPECT_EQ(turn.id, "msg_01Q");
  EXPECT_EQ(turn.reasoning, "Hmm.");
  EXPECT_EQ(turn.text, "Checking.");
  ASSERT_EQ(turn.tool_calls.size(), 1u);
  EXPECT_EQ(turn.tool_calls[0], (ToolCall{"toolu_9", "Bash", R"({"command":"ls","description":"list"})"}));
  EXPECT_EQ(turn.stop, StopReason::tool_use);
  EXPECT_EQ(turn.usage, (Usage{115, 30, 100, std::nullopt}));
  const AssistantTurn err = decode_response(messages, R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})");
  EXPECT_EQ(err.error, (WireError{"overloaded_error", "Overloaded"}));
}

AssistantTurn sample_turn() {
  AssistantTurn t;
  t.id = "msg_sim_1";
  t.model = "claude-sim";
  t.reasoning = "Run the tests first.";
  t.text = "I'll run them — ✓.";
  t.tool_calls = {{"toolu_1", "Bash", R"({"command":"make test","description":"Run tests"})"},
                  {"toolu_2", "Read", R"({"file_path":"/w/a.c"})"}};
  t.usage = Usage{16060, 89, 14000, std::nullopt};
  t.stop = StopReason::tool_use;
  return t;
}

TEST(WireAnthropic, EncodedStreamUsesNamedEvents) {
  const auto chunks = encode_stream(messages, sample_turn(), {.tokens_per_chunk = 2});
  ASSERT_GE(chunks.size(), 4u);
  EXPECT_TRUE(chunks.front().bytes.starts_with("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_sim_1\","));
  EXPECT_EQ(chunks[1].bytes, "event: ping\ndata: {\"type\":\"ping\"}\n\n");
  EXPECT_EQ(chunks.back().bytes, "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
  for (const auto& c : chunks) EXPECT_TRUE(c.bytes.starts_with("event: ")) << c.bytes;
  const std::string all = test::join(chunks);
  EXPECT_NE(all.find(R"("usage":{"input_tokens":2060,"cache_creation_input_tokens":0,"cache_read_input_tokens":14000,"output_tokens":1})"),
            std::string::npos);
  EXPECT_NE(all.find(R"({"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}})"),
            std::string::npos);
  EXPECT_NE(all.find(R"("content_block":{"type":"tool_use","id":"toolu_2","name":"Read","input":{}})"), std::string::npos);
}

TEST(WireAnthropic, RoundTripsStreamingAndNot) {
  AssistantTurn plain;
  plain.id = "msg_2";
  plain.model = "m";
  plain.text = "Done.";
  plain.usage = Usage{10, 2, std::nullopt, std::nullopt};
  plain.stop = StopReason::end_turn;
  AssistantTurn failed = plain;
  failed.stop = StopReason::none;
  failed.usage = Usage{10, std::nullopt, std::nullopt, std::nullopt};
  failed.error = WireError{"overloaded_error", "Overloaded"};
  for (const AssistantTurn& turn : {sample_turn(), plain, failed}) {
    for (std::size_t n : {1, 5, 1000}) {
      EXPECT_EQ(decode_whole(messages, test::join(encode_stream(messages, turn, {.tokens_per_chunk = n}))).turn, turn) << n;
    }
  }
  EXPECT_EQ(decode_response(messages, encode_response(messages, sample_turn())), sample_turn());
  EXPECT_EQ(decode_response(messages, encode_response(messages, plain)), plain);
  EXPECT_EQ(decode_response(messages, encode_response(messages, failed)).error, failed.error);
}

}  // namespace
}  // namespace agentrace::wire
