#pragma once
// The built-in agent loop (docs/builtin-agent.md): send the conversation with the tool
// definitions, run the tool calls of the answer, append their results, repeat until the
// model answers without a tool call or a limit is hit. Each model call and each tool run
// is reported as one JSON line on `events`; the conversation goes to `transcript`.
#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "agent/conversation.hpp"
#include "agent/model-client.hpp"
#include "agent/tools.hpp"

namespace agentrace::agent {

struct Limits {
  int max_steps = 50;                        // model calls
  std::optional<std::int64_t> max_total_tokens;  // input + output over all calls
  std::optional<std::chrono::milliseconds> time_limit;
};

struct RetryPolicy {
  int retries = 2;                            // after the first try
  std::chrono::milliseconds backoff{500};     // doubled after each retry
};

struct Options {
  RequestSettings request;
  std::string prompt;
  Limits limits;
  RetryPolicy retry;
};

enum class Stop { done, max_steps, max_tokens, time_limit, error };
std::string_view stop_name(Stop stop);

struct Summary {
  int turns = 0;  // model calls that answered
  int tool_calls = 0;
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
  double duration_ms = 0;
  Stop stop = Stop::done;
  std::string error;
};

// Writes the final {"type":"result",...} line too. transcript may be null.
Summary run_agent(const Options& options, ModelClient& model, Tools& tools, std::ostream& events,
                  std::ostream* transcript);

}  // namespace agentrace::agent
