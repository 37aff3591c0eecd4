#pragma once
// Prompts and request bodies for a speed run. A prompt is random common words (about one
// token each with most tokenizers), different for every request so a server's prefix
// cache cannot answer from earlier work, unless asked: prefix_cache reuses one text for
// every request, shared_prefix gives every request the same first words (an agent's
// system prompt and tools) followed by words of its own.
#include <cstdint>
#include <string>

#include "net/http.hpp"
#include "wire/protocol.hpp"

namespace agentrace::speed {

struct PromptOptions {
  std::uint64_t seed = 0;
  bool prefix_cache = false;
  std::int64_t shared_prefix_tokens = 0;
};

// `tokens` words; the same (options, tokens, request) always gives the same text.
std::string build_prompt(const PromptOptions& options, std::int64_t tokens, std::uint64_t request);

struct RequestSpec {
  wire::Protocol protocol = wire::Protocol::openai_chat;
  std::string model;
  bool stream = true;
  bool ignore_eos = false;  // llama.cpp / vLLM: decode exactly the asked length
};

// The JSON body asking for max `output_tokens` tokens, with usage in the stream.
std::string request_body(const RequestSpec& spec, const std::string& prompt, std::int64_t output_tokens);
// Authentication and version headers for the protocol (no key: none).
net::Headers request_headers(wire::Protocol protocol, const std::string& api_key);

}  // namespace agentrace::speed
