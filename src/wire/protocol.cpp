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

std::string_view request_path(Protocol protocol) {
  switch (protocol) {
    case Protocol::openai_chat: return "/chat/completions";
    case Protocol::anthropic_messages: return "/messages";
    case Protocol::openai_responses: return "/responses";
  }
  return "/";
}

std::vector<std::pair<std::string, std::string>> auth_headers(Protocol protocol, std::string_view api_key) {
  std::vector<std::pair<std::string, std::string>> out;
  const bool anthropic = protocol == Protocol::anthropic_messages;
  if (anthropic) out.emplace_back("anthropic-version", "2023-06-01");
  if (!api_key.empty()) {
    if (anthropic) out.emplace_back("x-api-key", std::string(api_key));
    else out.emplace_back("Authorization", "Bearer " + std::string(api_key));
  }
  return out;
}

}  // namespace agentrace::wire
