#pragma once
// One streaming model call of the built-in agent: POST the request body, decode the SSE
// stream with the wire decoders, and say what went wrong when it did (HTTP status,
// network, a stream error event, a malformed or truncated stream).
#include <chrono>
#include <memory>
#include <string>

#include "wire/protocol.hpp"
#include "wire/stream-event.hpp"

namespace agentrace::agent {

struct Endpoint {
  wire::Protocol protocol = wire::Protocol::openai_chat;
  // openai-chat: the base URL including /v1 (the agent posts to /chat/completions under
  // it); anthropic-messages: without /v1 (the agent posts to /v1/messages under it).
  std::string base_url;
  std::string api_key;
};

struct CallOutcome {
  wire::AssistantTurn turn;
  int status = 0;          // HTTP status (0 when none came)
  std::string error;       // empty: a complete response
  bool retryable = false;  // 408/429/5xx, network and stream failures
  bool ok() const { return error.empty(); }
};

class ModelClient {
 public:
  virtual ~ModelClient() = default;
  // timeout 0 = none.
  virtual CallOutcome call(const std::string& body, std::chrono::milliseconds timeout) = 0;
};

// Over HTTP(S) with src/net's client; keeps the connection alive between calls.
// Throws core::UsageError naming --base-url when the URL is not http(s).
std::unique_ptr<ModelClient> make_http_client(const Endpoint& endpoint);

// The path the protocol posts to: base path + /chat/completions or /v1/messages.
std::string request_target(const Endpoint& endpoint);

}  // namespace agentrace::agent
