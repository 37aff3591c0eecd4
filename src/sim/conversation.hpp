#pragma once
// What the simulated endpoint needs from a model request, in any of the three protocols:
// the user texts (to pick a script), how many assistant turns came before (to pick the
// turn), the tools offered with their parameters (to translate tool calls), and the
// prompt size (for usage and the time to first token). Never throws.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wire/protocol.hpp"

namespace agentrace::sim {

struct ToolParam {
  std::string name;
  std::string type;  // the schema's "type" ("string", "array", ...), "" when absent
  bool required = false;
};

struct OfferedTool {
  std::string name;              // the tool's name, or its type when it has none
  std::vector<ToolParam> params;  // properties of its parameter schema, in order
  bool absolute_path = false;    // a path parameter's description asks for an absolute path
  const ToolParam* find(std::string_view param) const;
  bool has(std::string_view param) const { return find(param) != nullptr; }
};

struct Conversation {
  wire::Protocol protocol = wire::Protocol::openai_chat;
  std::string model;
  bool stream = false;
  bool include_usage = false;           // chat: stream_options.include_usage
  std::vector<std::string> user_texts;  // every user message with text, in order
  std::size_t assistant_turns = 0;      // assistant turns so far that called tools
  std::vector<OfferedTool> tools;
  std::string cwd;                      // the agent's working directory when its prompt says it
  std::int64_t prompt_tokens = 0;       // request bytes / 4
  std::optional<std::int64_t> max_output_tokens;  // max_tokens, max_completion_tokens or max_output_tokens
  bool valid = false;                   // the body was a JSON object
};

Conversation read_conversation(wire::Protocol protocol, std::string_view body);

}  // namespace agentrace::sim
