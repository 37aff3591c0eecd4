#pragma once
// One model for an assistant response, whatever protocol carried it: the events a stream
// decodes into (StreamEvent) and the response they add up to (AssistantTurn).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agentrace::wire {

// Token counts as the server reported them; absent when it did not.
// `input` counts every prompt token, cached ones included (OpenAI's meaning; Anthropic's
// input_tokens + cache_creation_input_tokens + cache_read_input_tokens).
struct Usage {
  std::optional<std::int64_t> input;
  std::optional<std::int64_t> output;
  std::optional<std::int64_t> cached_input;
  std::optional<std::int64_t> reasoning;
  bool empty() const { return !input && !output && !cached_input && !reasoning; }
  bool operator==(const Usage&) const = default;
};

// Time the server says it spent (llama.cpp `timings`), for the network-time estimate.
struct ServerTimings {
  std::optional<double> prompt_ms;
  std::optional<double> predicted_ms;
  bool operator==(const ServerTimings&) const = default;
};

// Why generation stopped, mapped from each protocol's own vocabulary
// (chat finish_reason, Anthropic stop_reason, Responses status/incomplete_details).
enum class StopReason { none, end_turn, max_tokens, tool_use, stop_sequence, content_filter, error, other };
std::string_view stop_reason_name(StopReason reason);

// An error the server reported (in the stream or as an error body), or a decoding problem:
// type "malformed" (unparseable input) or "truncated" (stream ended before its last event).
struct WireError {
  std::string type;
  std::string message;
  bool operator==(const WireError&) const = default;
};

struct ToolCall {
  std::string id;         // tool_calls[].id, tool_use.id, or Responses call_id
  std::string name;
  std::string arguments;  // JSON text as the model produced it
  bool operator==(const ToolCall&) const = default;
};

struct AssistantTurn {
  std::string id;     // response id (chatcmpl-..., msg_..., resp_...)
  std::string model;
  std::string text;
  std::string reasoning;
  std::vector<ToolCall> tool_calls;
  Usage usage;
  StopReason stop = StopReason::none;
  std::optional<WireError> error;
  std::optional<ServerTimings> timings;
  bool operator==(const AssistantTurn&) const = default;
};

enum class EventKind {
  message_started,      // id, name = model
  content_started,      // once, before the first text/reasoning/tool event (TTFT mark)
  text_delta,           // text
  reasoning_delta,      // text
  tool_call_started,    // index, id, name
  tool_arguments_delta, // index, text = fragment of the arguments
  tool_call_finished,   // index, id, name, text = full arguments
  usage,                // usage: the totals known so far (present fields replace older ones)
  server_timings,       // timings
  stop,                 // stop, text = the protocol's raw reason
  error,                // error
};
std::string_view event_kind_name(EventKind kind);

struct StreamEvent {
  EventKind kind = EventKind::text_delta;
  int index = 0;                  // tool call ordinal within the response (0, 1, ...)
  std::string id;
  std::string name;
  std::string text;
  Usage usage;
  ServerTimings timings;
  StopReason stop = StopReason::none;
  WireError error;
  std::size_t content_bytes = 0;  // model output bytes carried (deltas only; 0 otherwise)
  std::size_t offset = 0;         // end offset of the SSE event it came from
  bool operator==(const StreamEvent&) const = default;
};

// Folds one event into the turn (what the decoders do for their turn()).
void apply(AssistantTurn& turn, const StreamEvent& event);

}  // namespace agentrace::wire
