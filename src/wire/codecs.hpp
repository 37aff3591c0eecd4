#pragma once
// Internal: the per-protocol halves behind codec.hpp's dispatchers.
#include <memory>
#include <string>
#include <vector>

#include "wire/codec.hpp"
#include "wire/json-util.hpp"

namespace agentrace::wire::detail {

std::unique_ptr<StreamDecoder> make_openai_chat_decoder();
std::unique_ptr<StreamDecoder> make_anthropic_decoder();
std::unique_ptr<StreamDecoder> make_responses_decoder();

// Bodies already parsed; error bodies are handled by the caller.
AssistantTurn decode_openai_chat_body(const Json& body);
AssistantTurn decode_anthropic_body(const Json& body);
AssistantTurn decode_responses_body(const Json& body);

std::vector<SseChunk> encode_openai_chat_stream(const AssistantTurn& turn, const EncodeOptions& options);
std::vector<SseChunk> encode_anthropic_stream(const AssistantTurn& turn, const EncodeOptions& options);
std::vector<SseChunk> encode_responses_stream(const AssistantTurn& turn, const EncodeOptions& options);
Json encode_openai_chat_body(const AssistantTurn& turn, const EncodeOptions& options);
Json encode_anthropic_body(const AssistantTurn& turn, const EncodeOptions& options);
Json encode_responses_body(const AssistantTurn& turn, const EncodeOptions& options);

// Text split into delta-sized pieces per the options.
std::vector<std::string_view> chunks(std::string_view text, const EncodeOptions& options);
// `{"error":{...}}` or Anthropic's `{"type":"error","error":{...}}`, as a WireError.
std::optional<WireError> error_of(const Json& body);
// A turn's id, or a fixed stand-in so that encoding stays deterministic.
std::string id_or(const std::string& id, const char* fallback);

}  // namespace agentrace::wire::detail
