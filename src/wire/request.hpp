#pragma once
// What a model request says, read from its JSON body in any of the three protocols:
// enough for the proxy's call record (model, tool result ids to time tool execution) and
// for the simulated endpoint to pick its next turn. Never throws.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wire/protocol.hpp"
#include "wire/stream-event.hpp"

namespace agentrace::wire {

struct RequestInfo {
  Protocol protocol = Protocol::openai_chat;
  std::string model;
  bool stream = false;
  bool include_usage = false;      // chat: stream_options.include_usage
  std::size_t message_count = 0;   // messages[] (or Responses input items; 1 for a string input)
  std::string system_text;         // system / developer messages and instructions, '\n'-joined
  std::string first_user_text;     // first and last user message that has text (tool results
  std::string last_user_text;      // are not user text)
  std::vector<std::string> tool_names;         // tools offered (a tool's type when it has no name)
  std::vector<std::string> tool_call_ids;      // tool calls in the assistant history
  std::vector<std::string> tool_result_ids;    // tool results sent back, in request order
  std::vector<std::string> tool_result_texts;  // their text, same order
  std::optional<WireError> error;              // "malformed" when the body is not a JSON object
};

RequestInfo inspect_request(Protocol protocol, std::string_view body);

// The protocol of a request, by path (any prefix, `?query` ignored): .../chat/completions,
// .../messages, .../responses. For another path a body that is clearly a generation request
// decides ("input" -> Responses; "messages" -> Anthropic if it has Anthropic-only fields, else
// chat). Nullopt for anything else, e.g. /v1/models or /v1/messages/count_tokens.
std::optional<Protocol> detect_protocol(std::string_view path, std::string_view body = {});

}  // namespace agentrace::wire
