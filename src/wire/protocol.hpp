#pragma once
// The three model wire protocols agentrace understands.
#include <optional>
#include <string_view>

namespace agentrace::wire {

enum class Protocol { openai_chat, anthropic_messages, openai_responses };

// "openai-chat", "anthropic-messages", "openai-responses" (the names stored and printed).
std::string_view protocol_name(Protocol protocol);
std::optional<Protocol> parse_protocol(std::string_view name);

}  // namespace agentrace::wire
