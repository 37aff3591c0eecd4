#include "speed/prompt.hpp"

#include <nlohmann/json.hpp>

#include "core/stats.hpp"

namespace agentrace::speed {

namespace {

// Common words, each one token in the GPT, Llama and Qwen vocabularies (with its space).
const char* const kWords[] = {
    "time", "year", "people", "way", "day", "man", "thing", "woman", "life", "child", "world", "school",
    "state", "family", "student", "group", "country", "problem", "hand", "part", "place", "case", "week",
    "company", "system", "program", "question", "work", "government", "number", "night", "point", "home",
    "water", "room", "mother", "area", "money", "story", "fact", "month", "lot", "right", "study", "book",
    "eye", "job", "word", "business", "issue", "side", "kind", "head", "house", "service", "friend",
    "father", "power", "hour", "game", "line", "end", "member", "law"};

void append_words(std::string& out, std::int64_t n, std::uint64_t seed) {
  core::SplitMix64 gen(seed);
  for (std::int64_t i = 0; i < n; ++i) {
    if (!out.empty()) out += ' ';
    out += kWords[gen.below(std::size(kWords))];
  }
}

}  // namespace

std::string build_prompt(const PromptOptions& o, std::int64_t tokens, std::uint64_t request) {
  std::string text;
  if (o.prefix_cache) {
    append_words(text, tokens, o.seed);
    return text;
  }
  const std::int64_t shared = std::min(o.shared_prefix_tokens, tokens);
  append_words(text, shared, o.seed);
  append_words(text, tokens - shared, o.seed ^ (0x9e3779b97f4a7c15ULL * (request + 1)));
  return text;
}

std::string request_body(const RequestSpec& spec, const std::string& prompt, std::int64_t output_tokens) {
  nlohmann::ordered_json body{{"model", spec.model}};
  switch (spec.protocol) {
    case wire::Protocol::openai_chat:
      body["messages"] = {{{"role", "user"}, {"content", prompt}}};
      body["max_tokens"] = output_tokens;
      if (spec.stream) body["stream_options"] = {{"include_usage", true}};
      break;
    case wire::Protocol::anthropic_messages:
      body["max_tokens"] = output_tokens;
      body["messages"] = {{{"role", "user"}, {"content", prompt}}};
      break;
    case wire::Protocol::openai_responses:
      body["input"] = prompt;
      body["max_output_tokens"] = output_tokens;
      break;
  }
  body["stream"] = spec.stream;
  if (spec.ignore_eos) body["ignore_eos"] = true;
  return body.dump();
}

net::Headers request_headers(wire::Protocol protocol, const std::string& api_key) {
  net::Headers h;
  h.add("Content-Type", "application/json");
  for (const auto& [name, value] : wire::auth_headers(protocol, api_key)) h.add(name, value);
  return h;
}

}  // namespace agentrace::speed
