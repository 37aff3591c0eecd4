#include <gtest/gtest.h>

#include "wire-helpers.hpp"

namespace agentrace::wire {
namespace {

using test::decode_whole;
using test::read_capture;
constexpr Protocol chat = Protocol::openai_chat;

std::string chunk(const std::string& json) { return "data: " + json + "\n\n"; }

TEST(WireOpenAiChat, DecodesVllmStreamWithToolCallsAndUsage) {
  const auto d = decode_whole(chat, read_capture("openai-chat-vllm-tools.sse"));
  EXPECT_EQ(d.turn.id, "chatcmpl-7f3a9c2e41d84b0b");
  EXPECT_EQ(d.turn.model, "Qwen/Qwen3-Coder-30B-A3B-Instruct");
  EXPECT_EQ(d.turn.reasoning, "The user wants the file list.");
  EXPECT_EQ(d.turn.text, "I'll list the files — ✓.");
  ASSERT_EQ(d.turn.tool_calls.size(), 2u);
  EXPECT_EQ(d.turn.tool_calls[0], (ToolCall{"chatcmpl-tool-9b1e", "bash", "{\"command\": \"ls -la\"}"}));
  EXPECT_EQ(d.turn.tool_calls[1], (ToolCall{"chatcmpl-tool-2c4d", "read", "{\"path\": \"README.md\"}"}));
  EXPECT_EQ(d.turn.stop, StopReason::tool_use);
  EXPECT_EQ(d.turn.usage, (Usage{1532, 48, 1024, std::nullopt}));
  EXPECT_FALSE(d.turn.error);
  EXPECT_EQ(test::content_bytes(d.events),
            d.turn.text.size() + d.turn.reasoning.size() + d.turn.tool_calls[0].arguments.size() +
                d.turn.tool_calls[1].arguments.size());
}

TEST(WireOpenAiChat, EventOrderMarksContentStartAndClosesCallsBeforeStop) {
  const auto d = decode_whole(chat, read_capture("openai-chat-vllm-tools.sse"));
  const auto k = test::kinds(d.events);
  ASSERT_GE(k.size(), 4u);
  EXPECT_EQ(k[0], EventKind::message_started);
  EXPECT_EQ(k[1], EventKind::content_started);
  EXPECT_EQ(k[2], EventKind::reasoning_delta);
  EXPECT_EQ(std::count(k.begin(), k.end(), EventKind::content_started), 1);
  const auto stop = std::find(k.begin(), k.end(), EventKind::stop);
  ASSERT_NE(stop, k.end());
  EXPECT_EQ(*(stop - 1), EventKind::tool_call_finished);
  EXPECT_EQ(*(stop - 2), EventKind::tool_call_finished);
  EXPECT_EQ(k.back(), EventKind::usage);
  EXPECT_EQ(d.events[1].offset, d.events[2].offset) << "content_started shares its chunk's offset";
}

TEST(WireOpenAiChat, LlamaCppTimingsAndNullRoleContent) {
  const auto d = decode_whole(chat, read_capture("openai-chat-llamacpp-timings.sse"));
  EXPECT_EQ(d.turn.text, "Hello, world!");
  EXPECT_EQ(d.turn.reasoning, "Say hi.");
  EXPECT_EQ(d.turn.stop, StopReason::end_turn);
  EXPECT_EQ(d.turn.usage, (Usage{40, 12, std::nullopt, std::nullopt}));
  ASSERT_TRUE(d.turn.timings);
  EXPECT_EQ(d.turn.timings->prompt_ms, 35.25);
  EXPECT_EQ(d.turn.timings->predicted_ms, 98.5);
  EXPECT_FALSE(d.turn.error);
}

TEST(WireOpenAiChat, SameEventsAtEverySplitAndInOneBytePieces) {
  for (const char* name : {"openai-chat-vllm-tools.sse", "openai-chat-llamacpp-timings.sse"}) {
    const std::string bytes = read_capture(name);
    EXPECT_EQ(test::first_bad_split(chat, bytes), -1) << name;
    EXPECT_EQ(test::decode_pieces(chat, test::one_byte_pieces(bytes)).events, decode_whole(chat, bytes).events);
    const std::string crlf = test::to_crlf(bytes);
    EXPECT_EQ(test::first_bad_split(chat, crlf), -1) << name;
    EXPECT_EQ(decode_whole(chat, crlf).turn, decode_whole(chat, bytes).turn);
    EXPECT_EQ(decode_whole(chat, test::to_cr(bytes)).turn, decode_whole(chat, bytes).turn);
  }
}

TEST(WireOpenAiChat, UsageChunkWithNullChoices) {
  const auto d = decode_whole(chat, chunk(R"({"id":"c","choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"length"}]})") +
                                        chunk(R"({"id":"c","choices":null,"usage":{"prompt_tokens":3,"completion_tokens":1,"completion_tokens_details":{"reasoning_tokens":0}}})") +
                                        "data: [DONE]\n\n");
  EXPECT_EQ(d.turn.usage, (Usage{3, 1, std::nullopt, 0}));
  EXPECT_EQ(d.turn.stop, StopReason::max_tokens);
  EXPECT_FALSE(d.turn.error);
}

TEST(WireOpenAiChat, MalformedChunkIsReportedAndDecodingGoesOn) {
  const auto d = decode_whole(chat, chunk(R"({"choices":[{"delta":{"content":"a"}}]})") + chunk("{not json") +
                                        chunk(R"([1,2])") + chunk(R"({"choices":[{"delta":{"content":7,"tool_calls":"x"}}]})") +
                                        chunk(R"({"choices":[{"delta":{"content":"b"},"finish_reason":"stop"}]})") +
                                        "data: [DONE]\n\n");
  EXPECT_EQ(d.turn.text, "ab");
  ASSERT_TRUE(d.turn.error);
  EXPECT_EQ(d.turn.error->type, "malformed");
  const auto k = test::kinds(d.events);
  EXPECT_EQ(std::count(k.begin(), k.end(), EventKind::error), 2) << "bad JSON and a non-object; odd types are skipped";
  EXPECT_EQ(d.turn.stop, StopReason::end_turn);
}

TEST(WireOpenAiChat, TruncatedStreamClosesOpenCallsAndSaysSo) {
  const auto d = decode_whole(
      chat, chunk(R"({"choices":[{"delta":{"tool_calls":[{"index":0,"id":"call_1","function":{"name":"bash","arguments":"{\"cmd"}}]}}]})"));
  ASSERT_EQ(d.turn.tool_calls.size(), 1u);
  EXPECT_EQ(d.turn.tool_calls[0].arguments, "{\"cmd");
  ASSERT_TRUE(d.turn.error);
  EXPECT_EQ(d.turn.error->type, "truncated");
}

TEST(WireOpenAiChat, ErrorChunkInTheStream) {
  const auto d = decode_whole(chat, chunk(R"({"choices":[{"delta":{"content":"par"}}]})") +
                                        chunk(R"({"error":{"object":"error","message":"boom","type":"InternalServerError","code":500}})") +
                                        "data: [DONE]\n\n");
  ASSERT_TRUE(d.turn.error);
  EXPECT_EQ(d.turn.error->type, "InternalServerError");
  EXPECT_EQ(d.turn.error->message, "boom");
}

TEST(WireOpenAiChat, ToolCallDeltasWithoutIndex) {
  const auto d = decode_whole(
      chat, chunk(R"({"choices":[{"delta":{"tool_calls":[{"id":"a","function":{"name":"x","arguments":"{"}}]}}]})") +
                chunk(R"({"choices":[{"delta":{"tool_calls":[{"function":{"arguments":"}"}}]}}]})") +
                chunk(R"({"choices":[{"delta":{"tool_calls":[{"id":"b","function":{"name":"y","arguments":"[]"}}]}}]})") +
                chunk(R"({"choices":[{"delta":{},"finish_reason":"tool_calls"}]})") + "data: [DONE]\n\n");
  ASSERT_EQ(d.turn.tool_calls.size(), 2u);
  EXPECT_EQ(d.turn.tool_calls[0], (ToolCall{"a", "x", "{}"}));
  EXPECT_EQ(d.turn.tool_calls[1], (ToolCall{"b", "y", "[]"}));
}

TEST(WireOpenAiChat, DecodesNonStreamingBodies) {
  const AssistantTurn turn = decode_response(chat, read_capture("openai-chat-response.json"));
  EXPECT_EQ(turn.id, "chatcmpl-B9");
  EXPECT_EQ(turn.text, "");
  EXPECT_EQ(turn.reasoning, "Need ls.");
  ASSERT_EQ(turn.tool_calls.size(), 1u);
  EXPECT_EQ(turn.tool_calls[0], (ToolCall{"call_z", "bash", "{\"command\":\"ls\"}"}));
  EXPECT_EQ(turn.stop, StopReason::tool_use);
  EXPECT_EQ(turn.usage, (Usage{100, 20, 64, 5}));

  const AssistantTurn parts = decode_response(
      chat, R"({"choices":[{"message":{"content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},"finish_reason":"stop"}]})");
  EXPECT_EQ(parts.text, "a\nb");

  const AssistantTurn err = decode_response(chat, R"({"error":{"message":"Rate limited","type":"rate_limit_error"}})");
  EXPECT_EQ(err.error, (WireError{"rate_limit_error", "Rate limited"}));
  EXPECT_EQ(decode_response(chat, "<html>").error->type, "malformed");
}

AssistantTurn sample_turn() {
  AssistantTurn t;
  t.id = "chatcmpl-sim-1";
  t.model = "sim-model";
  t.reasoning = "Thinking about ünïcode 🙂 and more.";
  t.text = "Here is the plan: run `make test` — then fix.";
  t.tool_calls = {{"call_1", "bash", R"({"command":"make test","timeout":600})"}, {"call_2", "read", R"({"path":"a.c"})"}};
  t.usage = Usage{1200, 57, 1024, 12};
  t.stop = StopReason::tool_use;
  return t;
}

TEST(WireOpenAiChat, EncodedStreamHasTheRealShape) {
  AssistantTurn t;
  t.id = "chatcmpl-1";
  t.model = "m";
  t.text = "Hi there";
  t.usage = Usage{5, 2, std::nullopt, std::nullopt};
  t.stop = StopReason::end_turn;
  EncodeOptions options;
  options.created = 1700000000;
  options.tokens_per_chunk = 1;
  const auto chunks = encode_stream(chat, t, options);
  const std::string head = R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m",)";
  std::vector<std::string> expected = {
      "data: " + head + R"("choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]})" + "\n\n",
      "data: " + head + R"("choices":[{"index":0,"delta":{"content":"Hi t"},"logprobs":null,"finish_reason":null}]})" + "\n\n",
      "data: " + head + R"("choices":[{"index":0,"delta":{"content":"here"},"logprobs":null,"finish_reason":null}]})" + "\n\n",
      "data: " + head + R"("choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]})" + "\n\n",
      "data: " + head + R"("choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}})" + "\n\n",
      "data: [DONE]\n\n"};
  ASSERT_EQ(chunks.size(), expected.size());
  for (std::size_t i = 0; i < chunks.size(); ++i) EXPECT_EQ(chunks[i].bytes, expected[i]) << i;
  EXPECT_EQ(chunks[1].content_bytes, 4u);
  EXPECT_EQ(chunks[0].content_bytes, 0u);
}

TEST(WireOpenAiChat, EncodedToolCallChunksCarryIndexIdTypeFunction) {
  const auto chunks = encode_stream(chat, sample_turn(), {.tokens_per_chunk = 1000});
  const std::string all = test::join(chunks);
  EXPECT_NE(all.find(R"("delta":{"tool_calls":[{"index":1,"id":"call_2","type":"function","function":{"name":"read","arguments":""}}]})"),
            std::string::npos);
  EXPECT_NE(all.find(R"("delta":{"tool_calls":[{"index":1,"function":{"arguments":"{\"path\":\"a.c\"}"}}]})"), std::string::npos);
}

TEST(WireOpenAiChat, RoundTripsStreamingAndNot) {
  AssistantTurn timed = sample_turn();
  timed.timings = ServerTimings{12.5, 340.25};
  AssistantTurn bare;
  bare.id = "chatcmpl-2";
  bare.model = "m";
  bare.text = "only text";
  bare.stop = StopReason::max_tokens;
  AssistantTurn failed = bare;
  failed.error = WireError{"server_error", "lost the GPU"};
  for (const AssistantTurn& turn : {sample_turn(), timed, bare, failed}) {
    for (std::size_t n : {1, 3, 1000}) {
      const auto chunks = encode_stream(chat, turn, {.tokens_per_chunk = n});
      const auto d = decode_whole(chat, test::join(chunks));
      EXPECT_EQ(d.turn, turn) << "tokens_per_chunk " << n;
      std::size_t sent = 0;
      for (const auto& c : chunks) sent += c.content_bytes;
      EXPECT_EQ(sent, test::content_bytes(d.events));
    }
    if (!turn.error || turn.text.empty()) EXPECT_EQ(decode_response(chat, encode_response(chat, turn)), turn);
  }
  EXPECT_EQ(decode_response(chat, encode_response(chat, failed)).error, failed.error);
}

TEST(WireOpenAiChat, ChunksNeverSplitAUtf8Character) {
  AssistantTurn t;
  t.text = "ééééé🙂🙂x";
  const auto chunks = encode_stream(chat, t, {.tokens_per_chunk = 1, .bytes_per_token = 3});
  for (const auto& c : chunks) EXPECT_EQ(c.bytes.find("\\ufffd"), std::string::npos) << c.bytes;
  EXPECT_EQ(decode_whole(chat, test::join(chunks)).turn.text, t.text);
  EXPECT_EQ(split_utf8("a🙂b", 2), (std::vector<std::string_view>{"a", "🙂", "b"}));
}

}  // namespace
}  // namespace agentrace::wire
