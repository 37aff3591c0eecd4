#include "wire/stream-event.hpp"

namespace agentrace::wire {
namespace {

void merge(std::optional<std::int64_t>& into, const std::optional<std::int64_t>& from) {
  if (from) into = from;
}

void merge(Usage& into, const Usage& from) {
  merge(into.input, from.input);
  merge(into.output, from.output);
  merge(into.cached_input, from.cached_input);
  merge(into.reasoning, from.reasoning);
}

void merge(ServerTimings& into, const ServerTimings& from) {
  if (from.prompt_ms) into.prompt_ms = from.prompt_ms;
  if (from.predicted_ms) into.predicted_ms = from.predicted_ms;
}

}  // namespace

std::string_view stop_reason_name(StopReason reason) {
  switch (reason) {
    case StopReason::none: return "none";
    case StopReason::end_turn: return "end_turn";
    case StopReason::max_tokens: return "max_tokens";
    case StopReason::tool_use: return "tool_use";
    case StopReason::stop_sequence: return "stop_sequence";
    case StopReason::content_filter: return "content_filter";
    case StopReason::error: return "error";
    case StopReason::other: return "other";
  }
  return "other";
}

std::string_view event_kind_name(EventKind kind) {
  switch (kind) {
    case EventKind::message_started: return "message_started";
    case EventKind::content_started: return "content_started";
    case EventKind::text_delta: return "text_delta";
    case EventKind::reasoning_delta: return "reasoning_delta";
    case EventKind::tool_call_started: return "tool_call_started";
    case EventKind::tool_arguments_delta: return "tool_arguments_delta";
    case EventKind::tool_call_finished: return "tool_call_finished";
    case EventKind::usage: return "usage";
    case EventKind::server_timings: return "server_timings";
    case EventKind::stop: return "stop";
    case EventKind::error: return "error";
  }
  return "unknown";
}

void apply(AssistantTurn& turn, const StreamEvent& event) {
  switch (event.kind) {
    case EventKind::message_started:
      if (!event.id.empty()) turn.id = event.id;
      if (!event.name.empty()) turn.model = event.name;
      break;
    case EventKind::text_delta: turn.text += event.text; break;
    case EventKind::reasoning_delta: turn.reasoning += event.text; break;
    case EventKind::tool_call_finished:
      turn.tool_calls.push_back(ToolCall{event.id, event.name, event.text});
      break;
    case EventKind::usage: merge(turn.usage, event.usage); break;
    case EventKind::server_timings:
      if (!turn.timings) turn.timings.emplace();
      merge(*turn.timings, event.timings);
      break;
    case EventKind::stop: turn.stop = event.stop; break;
    case EventKind::error:
      // The first error explains the failure; later ones are usually its echoes.
      if (!turn.error) turn.error = event.error;
      break;
    case EventKind::content_started:
    case EventKind::tool_call_started:
    case EventKind::tool_arguments_delta: break;
  }
}

}  // namespace agentrace::wire
