#pragma once
// Load answers for `agentrace speed`: a request that asks for an output length, offers no
// tools and matches no task script gets filler text of exactly that many tokens (as
// output_tokens() counts them: 4 bytes a token), so that measured TTFT, TPOT and tokens/s
// can be checked against the latency profile.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "sim/conversation.hpp"
#include "sim/responder.hpp"
#include "sim/script.hpp"

namespace agentrace::sim {

// Nullopt when the request is not a load request (selected: the script the book chose).
std::optional<Reply> load_reply(const Conversation& conversation, const Script& selected, std::size_t tokens_per_chunk);

// `tokens` three-letter words, each with its space: 4 bytes, one token, a token.
std::string filler_text(std::int64_t tokens);

}  // namespace agentrace::sim
