#include <gtest/gtest.h>

#include "wire-helpers.hpp"

namespace agentrace::wire {
namespace {

using test::decode_whole;
using test::read_capture;
constexpr Protocol responses = Protocol::openai_responses;

std::string event(const std::string& name, const std::string& json) {
  return "event: " + name + "\ndata: " + json + "\n\n";
}

TEST(WireResponses, DecodesCodexStream) {
  const auto d = decode_whole(responses, read_capture("openai-responses-codex.sse"));
  EXPECT_EQ(d.turn.id, "resp_68b1c2d4e5f6");
  EXPECT_EQ(d.turn.model, "gpt-5-codex");
  EXPECT_EQ(d.turn.reasoning, "**Inspecting the repo**\n\nI will list files.");
  EXPECT_EQ(d.turn.text, "Listing files now.");
  ASSERT_EQ(d.turn.tool_calls.size(), 1u);
  EXPECT_EQ(d.turn.tool_calls[0], (ToolCall{"call_Jx8Z2qLm", "exec_command", R"({"cmd":"ls -la"})"}));
  EXPECT_EQ(d.turn.stop, StopReason::tool_use);
  EXPECT_EQ(d.turn.usage, (Usage{5120, 210, 4096, 128}));
  EXPECT_FALSE(d.turn.error);
  EXPECT_EQ(test::content_bytes(d.events), d.turn.reasoning.size() + d.turn.text.size() + d.turn.tool_calls[0].arguments.size())
      << "done events repeat the content and must not count twice";
}

TEST(WireResponses, SameEventsAtEverySplitAndInOneBytePieces) {
  const std::string bytes = read_capture("openai-responses-codex.sse");
  EXPECT_EQ(test::first_bad_split(responses, bytes), -1);
  EXPECT_EQ(test::decode_pieces(responses, test::one_byte_pieces(bytes)).events, decode_whole(responses, bytes).events);
  const std::string crlf = test::to_crlf(bytes);
  EXPECT_EQ(test::first_bad_split(responses, crlf), -1);
  EXPECT_EQ(decode_whole(responses, crlf).turn, decode_whole(responses, bytes).turn);
}

TEST(WireResponses, MinimalStreamOfDoneItemsAsCodexAccepts) {
  const auto d = decode_whole(
      responses,
      event("response.output_item.done", R"({"type":"response.output_item.done","output_index":0,"item":{"type":"message","role":"assistant","content":[{"type":"output_text","text":"hi"}]}})") +
          event("response.output_item.done", R"({"type":"response.output_item.done","output_index":1,"item":{"type":"function_call","id":"fc_1","call_id":"c1","name":"exec_command","arguments":"{\"cmd\":\"ls\"}","status":"completed"}})") +
          event("response.completed", R"({"type":"response.completed","response":{"id":"r1","object":"response","status":"completed","model":"m","output":[],"usage":{"input_tokens":3,"output_tokens":4}}})"));
  EXPECT_EQ(d.turn.text, "hi");
  ASSERT_EQ(d.turn.tool_calls.size(), 1u);
  EXPECT_EQ(d.turn.tool_calls[0], (ToolCall{"c1", "exec_command", R"({"cmd":"ls"})"}));
  EXPECT_EQ(d.turn.id, "r1");
  EXPECT_EQ(d.turn.stop, StopReason::tool_use);
  EXPECT_EQ(d.turn.usage, (Usage{3, 4, std::nullopt, std::nullopt}));
  EXPECT_FALSE(d.turn.error);
}

TEST(WireResponses, OnlyTheFinalEventStillGivesItsOutput) {
  const auto d = decode_whole(
      responses, event("response.completed", R"({"type":"response.completed","response":{"id":"r2","status":"completed","output":[{"type":"message","content":[{"type":"output_text","text":"all at once"}]}]}})"));
  EXPECT_EQ(d.turn.text, "all at once");
  EXPECT_EQ(d.turn.stop, StopReason::end_turn);
}

TEST(WireResponses, FailedIncompleteAndErrorEvents) {
  const auto failed = decode_whole(
      responses, event("response.failed", R"({"type":"response.failed","response":{"id":"r","status":"failed","error":{"code":"server_error","message":"oops"},"output":[]}})"));
  EXPECT_EQ(failed.turn.stop, StopReason::error);
  EXPECT_EQ(failed.turn.error, (WireError{"server_error", "oops"}));

  const auto incomplete = decode_whole(
      responses, event("response.incomplete", R"({"type":"response.incomplete","response":{"status":"incomplete","incomplete_details":{"reason":"max_output_tokens"}}})"));
  EXPECT_EQ(incomplete.turn.stop, StopReason::max_tokens);
  EXPECT_FALSE(incomplete.turn.error);

  const auto error = decode_whole(responses, event("error", R"({"type":"error","code":"rate_limit_exceeded","message":"slow down","param":null,"sequence_number":3})"));
  EXPECT_EQ(error.turn.error, (WireError{"rate_limit_exceeded", "slow down"}));
}

TEST(WireResponses, MalformedEventsAreReportedAndDecodingGoesOn) {
  const auto d = decode_whole(
      responses, event("response.output_text.delta", "{\"delta\":") +
                     event("response.function_call_arguments.delta", R"({"type":"response.function_call_arguments.delta","output_index":9,"delta":"x"})") +
                     event("response.output_text.delta", R"({"type":"response.output_text.delta","output_index":0,"delta":"still here"})") +
                     event("response.completed", R"({"type":"response.completed","response":{"status":"completed","usage":{"input_tokens":1e400}}})"));
  EXPECT_EQ(d.turn.text, "still here");
  ASSERT_TRUE(d.turn.error);
  EXPECT_EQ(d.turn.error->type, "malformed");
}

TEST(WireResponses, DecodesNonStreamingBodies) {
  const AssistantTurn turn = decode_response(responses, read_capture("openai-responses-response.json"));
  EXPECT_EQ(turn.id, "resp_9");
  EXPECT_EQ(turn.reasoning, "Plan.");
  EXPECT_EQ(turn.text, "Partial answ");
  EXPECT_EQ(turn.stop, StopReason::max_tokens);
  EXPECT_EQ(turn.usage, (Usage{50, 16, 0, 8}));
  EXPECT_FALSE(turn.error);
  const AssistantTurn err = decode_response(responses, R"({"error":{"message":"bad key","type":"invalid_request_error","code":"invalid_api_key"}})");
  EXPECT_EQ(err.error, (WireError{"invalid_request_error", "bad key"}));
}

AssistantTurn sample_turn() {
  AssistantTurn t;
  t.id = "resp_sim_1";
  t.model = "gpt-sim";
  t.reasoning = "**Plan**\n\nlist files";
  t.text = "Listing — now.";
  t.tool_calls = {{"call_1", "exec_command", R"({"cmd":"ls -la"})"}, {"call_2", "exec_command", R"({"cmd":"make"})"}};
  t.usage = Usage{5120, 210, 4096, 128};
  t.stop = StopReason::tool_use;
  return t;
}

TEST(WireResponses, EncodedStreamHasSequenceNumbersAndNamedEvents) {
  const auto chunks = encode_stream(responses, sample_turn(), {.tokens_per_chunk = 3, .created = 1700000000});
  ASSERT_GE(chunks.size(), 3u);
  EXPECT_TRUE(chunks[0].bytes.starts_with(
      "event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\"id\":\"resp_sim_1\",\"object\":\"response\",\"created_at\":1700000000,\"status\":\"in_progress\""));
  EXPECT_TRUE(chunks[1].bytes.starts_with("event: response.in_progress\ndata: {\"type\":\"response.in_progress\",\"sequence_number\":1,"));
  EXPECT_TRUE(chunks.back().bytes.starts_with("event: response.completed\ndata: {\"type\":\"response.completed\",\"sequence_number\":" +
                                              std::to_string(chunks.size() - 1) + ","));
  const std::string all = test::join(chunks);
  EXPECT_NE(all.find(R"({"type":"response.output_item.added","sequence_number":)"), std::string::npos);
  EXPECT_NE(all.find(R"("item":{"id":"fc_1","type":"function_call","status":"completed","arguments":"{\"cmd\":\"make\"}","call_id":"call_2","name":"exec_command"})"),
            std::string::npos);
  EXPECT_NE(all.find(R"("usage":{"input_tokens":5120,"input_tokens_details":{"cached_tokens":4096},"output_tokens":210,"output_tokens_details":{"reasoning_tokens":128},"total_tokens":5330})"),
            std::string::npos);
}

TEST(WireResponses, RoundTripsStreamingAndNot) {
  AssistantTurn plain;
  plain.id = "resp_2";
  plain.model = "m";
  plain.text = "Done.";
  plain.stop = StopReason::end_turn;
  AssistantTurn cut = plain;
  cut.stop = StopReason::max_tokens;
  cut.usage = Usage{9, 9, std::nullopt, std::nullopt};
  AssistantTurn failed = plain;
  failed.stop = StopReason::error;
  failed.error = WireError{"server_error", "the model crashed"};
  AssistantTurn errored = plain;  // an `error` event with no response.failed after it
  errored.stop = StopReason::none;
  errored.error = WireError{"rate_limit_exceeded", "slow down"};
  for (const AssistantTurn& turn : {sample_turn(), plain, cut, failed, errored}) {
    for (std::size_t n : {1, 4, 1000}) {
      EXPECT_EQ(decode_whole(responses, test::join(encode_stream(responses, turn, {.tokens_per_chunk = n}))).turn, turn) << n;
    }
  }
  for (const AssistantTurn& turn : {sample_turn(), plain, cut, failed}) {
    EXPECT_EQ(decode_response(responses, encode_response(responses, turn)), turn);
  }
  EXPECT_EQ(decode_response(responses, encode_response(responses, errored)).error, errored.error);
}

}  // namespace
}  // namespace agentrace::wire
