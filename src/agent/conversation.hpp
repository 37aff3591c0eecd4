#pragma once
// The built-in agent's conversation, kept protocol-neutral, and the request body it
// becomes in OpenAI Chat Completions or Anthropic Messages (tools included, streaming).
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wire/protocol.hpp"
#include "wire/stream-event.hpp"

namespace agentrace::agent {

using Json = nlohmann::ordered_json;

struct ToolResult {
  std::string call_id;
  std::string name;
  std::string text;
  bool error = false;
};

struct Message {
  enum class Kind { user, assistant, tool_results };
  Kind kind = Kind::user;
  std::string text;                    // user / assistant text
  std::vector<wire::ToolCall> calls;   // assistant tool calls
  std::vector<ToolResult> results;     // one per call of the assistant message before
};

struct RequestSettings {
  wire::Protocol protocol = wire::Protocol::openai_chat;
  std::string model;
  std::optional<int> max_tokens;  // per call; Anthropic requires one (default 8192)
};

inline constexpr int kAnthropicDefaultMaxTokens = 8192;

// The fixed system prompt (docs/builtin-agent.md) with the working folder filled in.
std::string system_prompt(const std::string& workdir);

// The streaming request body for the conversation so far.
Json request_body(const RequestSettings& settings, const std::string& system, const std::vector<Message>& history);

// A message as the transcript stores it (the same for both protocols).
Json transcript_json(const Message& message);
Json transcript_json(const wire::AssistantTurn& turn);

}  // namespace agentrace::agent
