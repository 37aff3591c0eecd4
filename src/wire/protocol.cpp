#include "wire/protocol.hpp"

#include <array>
#include <utility>

namespace agentrace::wire {
namespace {

constexpr std::array<std::pair<Protocol, std::string_view>, 3> names{{
    {Protocol::openai_chat, "openai-chat"},
    {Protocol::anthropic_messages, "anthropic-messages"},
    {Protocol::openai_responses, "openai-responses"},
}};

}  // namespace

std::string_view protocol_name(Protocol protocol) {
  for (const auto& [p, name] : names) {
    if (p == protocol) return name;
  }
  return "unknown";
}

std::optional<Protocol> parse_protocol(std::string_view name) {
  for (const auto& [p, n] : names) {
    if (n == name) return p;
  }
  return std::nullopt;
}

}  // namespace agentrace::wire
