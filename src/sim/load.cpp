#include "sim/load.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "sim/profile.hpp"

namespace agentrace::sim {

std::string filler_text(std::int64_t tokens) {
  static const char* const kWords[] = {"the", "fox", "ran", "far", "and", "saw", "sea", "sky"};
  std::string text;
  text.reserve(static_cast<std::size_t>(std::max<std::int64_t>(tokens, 0)) * 4);
  for (std::int64_t i = 0; i < tokens; ++i) {
    text += kWords[static_cast<std::size_t>(i) % std::size(kWords)];
    text += ' ';
  }
  return text;
}

std::optional<Reply> load_reply(const Conversation& c, const Script& selected, std::size_t tokens_per_chunk) {
  if (!c.max_output_tokens || *c.max_output_tokens < 1 || !c.tools.empty() || !selected.match.empty()) {
    return std::nullopt;
  }
  Reply reply{.script = "load", .turn_index = 0};
  wire::AssistantTurn& out = reply.turn;
  const std::uint64_t key = request_seed(static_cast<std::uint64_t>(c.prompt_tokens),
                                         c.user_texts.empty() ? "" : c.user_texts.back());
  out.id = fmt::format("sim-load-{:016x}", key);
  out.model = c.model.empty() ? "sim" : c.model;
  out.text = filler_text(*c.max_output_tokens);
  out.stop = wire::StopReason::max_tokens;
  out.usage.input = std::max<std::int64_t>(c.prompt_tokens, 1);
  out.usage.output = output_tokens(out, tokens_per_chunk);
  return reply;
}

}  // namespace agentrace::sim
