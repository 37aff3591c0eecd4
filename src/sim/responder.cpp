#include "sim/responder.hpp"

#include <fmt/format.h>

#include "sim/judge.hpp"
#include "sim/load.hpp"
#include "sim/profile.hpp"
#include "sim/tools.hpp"
#include "wire/codec.hpp"

namespace agentrace::sim {

namespace {

struct IdPrefixes {
  const char* response;
  const char* call;
};

IdPrefixes prefixes(wire::Protocol protocol) {
  switch (protocol) {
    case wire::Protocol::openai_chat: return {"chatcmpl-sim", "call_sim"};
    case wire::Protocol::anthropic_messages: return {"msg_sim", "toolu_sim"};
    case wire::Protocol::openai_responses: return {"resp_sim", "call_sim"};
  }
  return {"sim", "call_sim"};
}

std::int64_t tokens_of(std::string_view text, std::size_t tokens_per_chunk) {
  std::int64_t n = 0;
  for (std::string_view piece : wire::split_utf8(text, tokens_per_chunk * 4)) {
    n += static_cast<std::int64_t>((piece.size() + 3) / 4);
  }
  return n;
}

}  // namespace

std::int64_t output_tokens(const wire::AssistantTurn& turn, std::size_t tokens_per_chunk) {
  std::int64_t n = tokens_of(turn.text, tokens_per_chunk) + tokens_of(turn.reasoning, tokens_per_chunk);
  for (const auto& call : turn.tool_calls) n += 1 + tokens_of(call.arguments, tokens_per_chunk);
  return std::max<std::int64_t>(n, 1);
}

Reply answer(const Conversation& c, const ScriptBook& book, std::size_t tokens_per_chunk) {
  const std::optional<Script> judge = judge_script(c);  // the LLM judge's requests (sim/judge.hpp)
  const Script& script = judge ? *judge : book.select(c.user_texts);
  if (auto load = load_reply(c, script, tokens_per_chunk)) return *load;
  Reply reply{.script = script.name, .turn_index = c.assistant_turns};
  const Turn turn = turn_at(script, c.assistant_turns);
  // Ids differ between conversations and turns, and repeat for the same request.
  const std::uint64_t key = request_seed(c.assistant_turns, c.user_texts.empty() ? "" : c.user_texts.front());
  const IdPrefixes ids = prefixes(c.protocol);
  wire::AssistantTurn& out = reply.turn;
  out.id = fmt::format("{}-{:016x}", ids.response, key);
  out.model = c.model.empty() ? "sim" : c.model;
  out.text = turn.text;
  out.reasoning = turn.reasoning;
  for (std::size_t i = 0; i < turn.tools.size(); ++i) {
    auto call = translate(turn.tools[i], c.tools, c.cwd, fmt::format("{}_{:08x}_{}", ids.call, key >> 32, i));
    if (call) out.tool_calls.push_back(std::move(*call));
  }
  if (out.text.empty() && out.tool_calls.empty()) out.text = script.final_text;
  out.stop = out.tool_calls.empty() ? wire::StopReason::end_turn : wire::StopReason::tool_use;
  out.usage.input = std::max<std::int64_t>(c.prompt_tokens, 1);
  out.usage.output = output_tokens(out, tokens_per_chunk);
  return reply;
}

}  // namespace agentrace::sim
