#pragma once
// The assistant turn the simulated model answers to a request: the script the
// conversation matches, the turn its history has reached, tool calls in the agent's own
// tools, and usage estimated from sizes (prompt bytes / 4, output bytes / 4).
#include <cstddef>
#include <cstdint>
#include <string>

#include "sim/conversation.hpp"
#include "sim/script.hpp"
#include "wire/stream-event.hpp"

namespace agentrace::sim {

struct Reply {
  wire::AssistantTurn turn;
  std::string script;          // the script's name
  std::size_t turn_index = 0;  // the turn of that script answered
};

// tokens_per_chunk: the profile's, so that usage agrees with the stream's chunk tokens.
Reply answer(const Conversation& conversation, const ScriptBook& book, std::size_t tokens_per_chunk = 1);

// Output tokens of a turn as the sim counts them: each text, reasoning and argument
// piece of tokens_per_chunk tokens counts ceil(bytes / 4); each tool call one more.
std::int64_t output_tokens(const wire::AssistantTurn& turn, std::size_t tokens_per_chunk);

}  // namespace agentrace::sim
