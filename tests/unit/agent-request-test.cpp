// The built-in agent's request bodies in both protocols, against golden JSON: the system
// prompt, the task, an assistant turn with a tool call, its result, the tools, streaming.
#include <gtest/gtest.h>

#include "agent/conversation.hpp"
#include "agent/tools.hpp"
#include "wire/request.hpp"

namespace agent = agentrace::agent;
namespace wire = agentrace::wire;
using Json = agent::Json;

namespace {

std::vector<agent::Message> history() {
  using K = agent::Message::Kind;
  return {
      agent::Message{K::user, "Fix the bug.", {}, {}},
      agent::Message{K::assistant, "Looking.", {wire::ToolCall{"call_1", "bash", R"({"command":"ls"})"}}, {}},
      agent::Message{K::tool_results, {}, {}, {agent::ToolResult{"call_1", "bash", "a.txt\n[exit code 0]", false}}},
      agent::Message{K::assistant, "", {wire::ToolCall{"call_2", "read_file", R"({"path":"a.txt"})"}}, {}},
      agent::Message{K::tool_results, {}, {}, {agent::ToolResult{"call_2", "read_file", "error: no such file", true}}},
  };
}

Json without_tools(Json body) {
  body.erase("tools");
  return body;
}

TEST(AgentRequest, OpenAiChatBody) {
  const auto body = agent::request_body({wire::Protocol::openai_chat, "m1", std::nullopt}, "SYS", history());
  const auto golden = Json::parse(R"({
    "model": "m1",
    "messages": [
      {"role": "system", "content": "SYS"},
      {"role": "user", "content": "Fix the bug."},
      {"role": "assistant", "content": "Looking.", "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "bash", "arguments": "{\"command\":\"ls\"}"}}]},
      {"role": "tool", "tool_call_id": "call_1", "content": "a.txt\n[exit code 0]"},
      {"role": "assistant", "content": null, "tool_calls": [
        {"id": "call_2", "type": "function", "function": {"name": "read_file", "arguments": "{\"path\":\"a.txt\"}"}}]},
      {"role": "tool", "tool_call_id": "call_2", "content": "error: no such file"}
    ],
    "stream": true,
    "stream_options": {"include_usage": true}
  })");
  EXPECT_EQ(without_tools(body), golden) << body.dump(2);
  ASSERT_EQ(body["tools"].size(), agent::tool_specs().size());
  const auto& bash = body["tools"][0];
  EXPECT_EQ(bash["type"], "function");
  EXPECT_EQ(bash["function"]["name"], "bash");
  EXPECT_EQ(bash["function"]["parameters"]["required"], Json::array({"command"}));
  const auto with_limit = agent::request_body({wire::Protocol::openai_chat, "m1", 100}, "SYS", history());
  EXPECT_EQ(with_limit["max_tokens"], 100);
}

TEST(AgentRequest, AnthropicMessagesBody) {
  const auto body = agent::request_body({wire::Protocol::anthropic_messages, "m2", std::nullopt}, "SYS", history());
  const auto golden = Json::parse(R"({
    "model": "m2",
    "max_tokens": 8192,
    "system": "SYS",
    "messages": [
      {"role": "user", "content": "Fix the bug."},
      {"role": "assistant", "content": [
        {"type": "text", "text": "Looking."},
        {"type": "tool_use", "id": "call_1", "name": "bash", "input": {"command": "ls"}}]},
      {"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "call_1", "content": "a.txt\n[exit code 0]"}]},
      {"role": "assistant", "content": [
        {"type": "tool_use", "id": "call_2", "name": "read_file", "input": {"path": "a.txt"}}]},
      {"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "call_2", "content": "error: no such file", "is_error": true}]}
    ],
    "stream": true
  })");
  EXPECT_EQ(without_tools(body), golden) << body.dump(2);
  const auto& edit = body["tools"][3];
  EXPECT_EQ(edit["name"], "edit");
  EXPECT_EQ(edit["input_schema"]["required"], Json::array({"path", "old_string", "new_string"}));
  EXPECT_FALSE(edit.contains("type"));
}

TEST(AgentRequest, BadArgumentsBecomeAnEmptyAnthropicInput) {
  using K = agent::Message::Kind;
  const std::vector<agent::Message> h = {
      agent::Message{K::user, "x", {}, {}},
      agent::Message{K::assistant, "", {wire::ToolCall{"t1", "bash", "{\"command\": \"ls"}}, {}},
  };
  const auto body = agent::request_body({wire::Protocol::anthropic_messages, "m", 10}, "S", h);
  EXPECT_EQ(body["messages"][1]["content"][0]["input"], Json::object());
  EXPECT_EQ(body["max_tokens"], 10);
}

// The proxy and the simulated endpoint read these bodies with wire::inspect_request.
TEST(AgentRequest, WireInspectionReadsBothBodies) {
  for (auto p : {wire::Protocol::openai_chat, wire::Protocol::anthropic_messages}) {
    const auto info = wire::inspect_request(p, agent::request_body({p, "m", std::nullopt}, "SYS", history()).dump());
    EXPECT_TRUE(info.stream);
    EXPECT_EQ(info.system_text, "SYS");
    EXPECT_EQ(info.first_user_text, "Fix the bug.");
    EXPECT_EQ(info.tool_call_ids, (std::vector<std::string>{"call_1", "call_2"}));
    EXPECT_EQ(info.tool_result_ids, (std::vector<std::string>{"call_1", "call_2"}));
    EXPECT_EQ(info.tool_names.size(), 5u);
  }
}

TEST(AgentRequest, SystemPromptNamesTheFolder) {
  const auto s = agent::system_prompt("/workspace");
  EXPECT_NE(s.find("current folder (/workspace)"), std::string::npos) << s;
  EXPECT_NE(s.find("no tool call"), std::string::npos);
}

}  // namespace
