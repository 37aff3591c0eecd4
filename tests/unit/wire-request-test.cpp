#include <gtest/gtest.h>

#include "wire-helpers.hpp"
#include "wire/request.hpp"

namespace agentrace::wire {
namespace {

using test::read_capture;
using Strings = std::vector<std::string>;

TEST(WireRequest, OpencodeChatRequest) {
  const RequestInfo r = inspect_request(Protocol::openai_chat, read_capture("request-chat-opencode.json"));
  EXPECT_FALSE(r.error);
  EXPECT_EQ(r.model, "qwen3-coder");
  EXPECT_TRUE(r.stream);
  EXPECT_TRUE(r.include_usage);
  EXPECT_EQ(r.message_count, 5u);
  EXPECT_EQ(r.system_text, "You are opencode, an interactive CLI tool.");
  EXPECT_EQ(r.first_user_text, "Fix the failing test in parser.c");
  EXPECT_EQ(r.last_user_text, "Fix the failing test in parser.c");
  EXPECT_EQ(r.tool_names, (Strings{"bash", "read", "edit"}));
  EXPECT_EQ(r.tool_call_ids, (Strings{"call_a1", "call_a2"}));
  EXPECT_EQ(r.tool_result_ids, (Strings{"call_a1", "call_a2"}));
  EXPECT_EQ(r.tool_result_texts, (Strings{"FAIL: test_parse_empty", "int parse(const char* s) {"}));
}

TEST(WireRequest, QwenChatRequestWithNullAndPartContent) {
  const RequestInfo r = inspect_request(Protocol::openai_chat, read_capture("request-chat-qwen.json"));
  EXPECT_FALSE(r.include_usage);
  EXPECT_EQ(r.system_text, "You are Qwen Code.\nBe brief.");
  EXPECT_EQ(r.first_user_text, "List the files");
  EXPECT_EQ(r.last_user_text, "Now count them");
  EXPECT_EQ(r.tool_names, (Strings{"run_shell_command"}));
  EXPECT_EQ(r.tool_call_ids, (Strings{"call_q1"}));
  EXPECT_EQ(r.tool_result_ids, (Strings{"call_q1"}));
  EXPECT_EQ(r.tool_result_texts, (Strings{"README.md\nsrc"}));
}

TEST(WireRequest, ClaudeCodeMessagesRequest) {
  const RequestInfo r = inspect_request(Protocol::anthropic_messages, read_capture("request-anthropic-claude.json"));
  EXPECT_FALSE(r.error);
  EXPECT_EQ(r.model, "claude-sonnet-4-5");
  EXPECT_TRUE(r.stream);
  EXPECT_EQ(r.message_count, 4u);
  EXPECT_EQ(r.system_text,
            "You are Claude Code, Anthropic's official CLI for Claude.\nUse the tools available.\nExtra system note.");
  EXPECT_EQ(r.last_user_text, "<system-reminder>ctx</system-reminder>\nRun the tests") << "tool results are not user text";
  EXPECT_EQ(r.tool_names, (Strings{"Bash", "Read", "web_search"}));
  EXPECT_EQ(r.tool_call_ids, (Strings{"toolu_01A", "toolu_01B"}));
  EXPECT_EQ(r.tool_result_ids, (Strings{"toolu_01A", "toolu_01B"}));
  EXPECT_EQ(r.tool_result_texts, (Strings{"2 passed", "int main() {}"}));
}

TEST(WireRequest, CodexResponsesRequest) {
  const RequestInfo r = inspect_request(Protocol::openai_responses, read_capture("request-responses-codex.json"));
  EXPECT_FALSE(r.error);
  EXPECT_EQ(r.model, "gpt-5-codex");
  EXPECT_TRUE(r.stream);
  EXPECT_EQ(r.message_count, 9u);
  EXPECT_EQ(r.system_text, "You are Codex.\n<permissions>never ask</permissions>");
  EXPECT_EQ(r.first_user_text, "<environment_context>cwd</environment_context>");
  EXPECT_EQ(r.last_user_text, "Fix the bug");
  EXPECT_EQ(r.tool_names, (Strings{"exec_command", "apply_patch", "mcp__docs", "web_search"}));
  EXPECT_EQ(r.tool_call_ids, (Strings{"call_c1", "call_c2"}));
  EXPECT_EQ(r.tool_result_ids, (Strings{"call_c1", "call_c2"}));
  EXPECT_EQ(r.tool_result_texts, (Strings{"Makefile\nsrc\n", "Success"}));
}

TEST(WireRequest, ResponsesStringInput) {
  const RequestInfo r = inspect_request(Protocol::openai_responses, R"({"model":"m","input":"hello"})");
  EXPECT_EQ(r.message_count, 1u);
  EXPECT_EQ(r.last_user_text, "hello");
  EXPECT_FALSE(r.stream);
}

TEST(WireRequest, OddShapesAreToleratedAndBadBodiesReported) {
  for (Protocol p : {Protocol::openai_chat, Protocol::anthropic_messages, Protocol::openai_responses}) {
    const RequestInfo odd = inspect_request(
        p, R"({"model":7,"stream":"yes","messages":[1,null,{"role":"user","content":{"x":1}},{"role":"tool"}],"input":[2,{"type":"function_call_output"}],"tools":[3,{}],"system":5})");
    EXPECT_FALSE(odd.error);
    EXPECT_EQ(odd.model, "");
    EXPECT_FALSE(odd.stream);
    const RequestInfo bad = inspect_request(p, "not json");
    ASSERT_TRUE(bad.error);
    EXPECT_EQ(bad.error->type, "malformed");
    EXPECT_TRUE(inspect_request(p, "[]").error);
  }
}

TEST(WireRequest, DetectsProtocolByPath) {
  EXPECT_EQ(detect_protocol("/v1/chat/completions"), Protocol::openai_chat);
  EXPECT_EQ(detect_protocol("/v1/messages?beta=true"), Protocol::anthropic_messages);
  EXPECT_EQ(detect_protocol("/v1/responses"), Protocol::openai_responses);
  EXPECT_EQ(detect_protocol("/route/a1b2/v1/responses/"), Protocol::openai_responses);
  EXPECT_EQ(detect_protocol("/chat/completions?x=1"), Protocol::openai_chat);
  EXPECT_EQ(detect_protocol("/v1/models"), std::nullopt);
  EXPECT_EQ(detect_protocol("/v1/messages/count_tokens", R"({"model":"m","messages":[]})"), std::nullopt);
  EXPECT_EQ(detect_protocol("/"), std::nullopt);
}

TEST(WireRequest, DetectsProtocolByBodyOnOtherPaths) {
  EXPECT_EQ(detect_protocol("/generate", R"({"model":"m","input":"x"})"), Protocol::openai_responses);
  EXPECT_EQ(detect_protocol("/generate", R"({"model":"m","messages":[{"role":"user","content":"x"}]})"), Protocol::openai_chat);
  EXPECT_EQ(detect_protocol("/generate", R"({"model":"m","system":"s","messages":[]})"), Protocol::anthropic_messages);
  EXPECT_EQ(detect_protocol("/generate", read_capture("request-anthropic-claude.json")), Protocol::anthropic_messages);
  EXPECT_EQ(detect_protocol("/generate", R"({"messages":[]})"), std::nullopt);
  EXPECT_EQ(detect_protocol("/generate", "garbage"), std::nullopt);
}

TEST(WireRequest, ProtocolNames) {
  for (Protocol p : {Protocol::openai_chat, Protocol::anthropic_messages, Protocol::openai_responses}) {
    EXPECT_EQ(parse_protocol(protocol_name(p)), p);
  }
  EXPECT_EQ(protocol_name(Protocol::anthropic_messages), "anthropic-messages");
  EXPECT_EQ(parse_protocol("grpc"), std::nullopt);
}

}  // namespace
}  // namespace agentrace::wire
