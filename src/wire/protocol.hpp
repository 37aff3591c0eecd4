#pragma once
// The three model wire protocols agentrace understands.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace agentrace::wire {

enum class Protocol { openai_chat, anthropic_messages, openai_responses };

// "openai-chat", "anthropic-messages", "openai-responses" (the names stored and printed).
std::string_view protocol_name(Protocol protocol);
std::optional<Protocol> parse_protocol(std::string_view name);

// Where a generation request goes, after the API's /v1: "/chat/completions", "/messages"
// or "/responses".
std::string_view request_path(Protocol protocol);
// Who calls and in which API version: anthropic-version and x-api-key for Anthropic
// Messages, else Authorization: Bearer; no key header without a key.
std::vector<std::pair<std::string, std::string>> auth_headers(Protocol protocol, std::string_view api_key);

}  // namespace agentrace::wire
