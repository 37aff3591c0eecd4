// Anthropic Messages: named SSE events (message_start ... message_stop) and message bodies.
#include <map>

#include "wire/codecs.hpp"

namespace agentrace::wire::detail {
namespace {

StopReason stop_from(std::string_view reason) {
  if (reason == "end_turn") return StopReason::end_turn;
  if (reason == "max_tokens" || reason == "model_context_window_exceeded") return StopReason::max_tokens;
  if (reason == "tool_use") return StopReason::tool_use;
  if (reason == "stop_sequence") return StopReason::stop_sequence;
  if (reason == "refusal") return StopReason::content_filter;
  return StopReason::other;
}

Json stop_json(StopReason reason) {
  switch (reason) {
    case StopReason::none: return nullptr;
    case StopReason::max_tokens: return "max_tokens";
    case StopReason::tool_use: return "tool_use";
    case StopReason::stop_sequence: return "stop_sequence";
    case StopReason::content_filter: return "refusal";
    case StopReason::end_turn:
    case StopReason::error:
    case StopReason::other: return "end_turn";
  }
  return "end_turn";
}

// Anthropic reports cached prompt tokens apart from input_tokens; counts seen so far.
struct RawUsage {
  std::optional<std::int64_t> input, cache_creation, cache_read, output;

  void merge(const Json& u) {
    if (auto v = int_member(u, "input_tokens")) input = v;
    if (auto v = int_member(u, "cache_creation_input_tokens")) cache_creation = v;
    if (auto v = int_member(u, "cache_read_input_tokens")) cache_read = v;
    if (auto v = int_member(u, "output_tokens")) output = v;
  }
  Usage usage() const {
    Usage u{{}, output, cache_read, {}};
    if (input) u.input = *input + cache_creation.value_or(0) + cache_read.value_or(0);
    return u;
  }
};

// Streamed arguments, or the block's `input` when no delta came (then "{}" for no input).
std::string tool_arguments_of(const std::string& streamed, const Json* input) {
  if (!streamed.empty() || !input) return streamed;
  return dump(*input);
}

class AnthropicDecoder final : public StreamDecoder {
 private:
  struct Block {
    std::string type;
    int ordinal = -1;  // tool call ordinal for tool_use blocks
    std::string id, name, arguments;
    std::optional<Json> input;
    bool finished = false;
  };

  void decode(const SseEvent& event) override {
    const std::optional<Json> j = parse_json(event.data);
    if (!j || !j->is_object()) return malformed("event data is not a JSON object", event.data);
    std::string type = string_member(*j, "type");
    if (type.empty()) type = event.event;
    if (type == "message_start") return message_start(*j);
    if (type == "content_block_start") return block_start(*j);
    if (type == "content_block_delta") return block_delta(*j);
    if (type == "content_block_stop") return block_stop(*j);
    if (type == "message_delta") return message_delta(*j);
    if (type == "message_stop") {
      close_open_calls();
      return set_done();
    }
    if (type == "error") {
      const Json* err = object_member(*j, "error");
      error(err ? string_member(*err, "type") : "error", err ? string_member(*err, "message") : "");
      return set_done();
    }
    // ping and event types added later are not part of the response.
  }

  void message_start(const Json& j) {
    const Json* message = object_member(j, "message");
    if (!message) return malformed("message_start without a message", "");
    started(string_member(*message, "id"), string_member(*message, "model"));
    take_usage(object_member(*message, "usage"));
  }

  void block_start(const Json& j) {
    const Json* block = object_member(j, "content_block");
    if (!block) return malformed("content_block_start without a content_block", "");
    Block& b = blocks_[int_member(j, "index").value_or(-1)];
    b = Block{string_member(*block, "type")};
    if (b.type == "text") text(string_member(*block, "text"));
    if (b.type == "thinking") reasoning(string_member(*block, "thinking"));
    if (b.type != "tool_use") return;
    b.ordinal = tool_count_++;
    b.id = string_member(*block, "id");
    b.name = string_member(*block, "name");
    if (const Json* input = member(*block, "input")) b.input = *input;
    tool_started(b.ordinal, b.id, b.name);
  }

  void block_delta(const Json& j) {
    const Json* delta = object_member(j, "delta");
    if (!delta) return malformed("content_block_delta without a delta", "");
    const std::string type = string_member(*delta, "type");
    if (type == "text_delta") return text(string_member(*delta, "text"));
    if (type == "thinking_delta") return reasoning(string_member(*delta, "thinking"));
    if (type != "input_json_delta") return;  // signature_delta, citations_delta
    auto it = blocks_.find(int_member(j, "index").value_or(-1));
    if (it == blocks_.end() || it->second.ordinal < 0 || it->second.finished) {
      return malformed("input_json_delta outside a tool_use block", "");
    }
    const std::string fragment = string_member(*delta, "partial_json");
    it->second.arguments += fragment;
    tool_arguments(it->second.ordinal, fragment);
  }

  void block_stop(const Json& j) {
    auto it = blocks_.find(int_member(j, "index").value_or(-1));
    if (it != blocks_.end()) finish_block(it->second);
  }

  void finish_block(Block& b) {
    if (b.ordinal < 0 || b.finished) return;
    b.finished = true;
    tool_finished(b.ordinal, b.id, b.name, tool_arguments_of(b.arguments, b.input ? &*b.input : nullptr));
  }

  void message_delta(const Json& j) {
    if (const Json* delta = object_member(j, "delta")) {
      const std::string reason = string_member(*delta, "stop_reason");
      if (!reason.empty()) stop(stop_from(reason), reason);
    }
    take_usage(object_member(j, "usage"));
  }

  void take_usage(const Json* u) {
    if (!u) return;
    raw_usage_.merge(*u);
    usage(raw_usage_.usage());
  }

  void close_open_calls() override {
    for (auto& [index, block] : blocks_) finish_block(block);
  }

  std::map<std::int64_t, Block> blocks_;
  int tool_count_ = 0;
  RawUsage raw_usage_;
};

Json usage_json(const Usage& usage, bool with_output) {
  Json u = Json::object();
  if (usage.input) u["input_tokens"] = *usage.input - usage.cached_input.value_or(0);
  if (usage.cached_input) {
    u["cache_creation_input_tokens"] = 0;
    u["cache_read_input_tokens"] = *usage.cached_input;
  }
  if (usage.output && with_output) u["output_tokens"] = *usage.output;
  return u;
}

Json error_json(const WireError& e) {
  return Json{{"type", "error"}, {"error", Json{{"type", e.type}, {"message", e.message}}}};
}

// Arguments as the `input` object; text that is not a JSON object cannot be sent as one.
Json input_json(const std::string& arguments) {
  std::optional<Json> input = parse_json(arguments);
  return input && input->is_object() ? *input : Json::object();
}

std::string tool_id(const ToolCall& call, std::size_t i) {
  return call.id.empty() ? "toolu_" + std::to_string(i) : call.id;
}

class EventWriter {
 public:
  void event(const char* type, Json payload, std::size_t content_bytes = 0) {
    Json data{{"type", type}};
    data.update(payload);
    out_.push_back(SseChunk{encode_sse(type, dump(data)), content_bytes});
  }
  void block(int index, const Json& start, const char* delta_type, const char* field,
             std::string_view text, const EncodeOptions& options) {
    event("content_block_start", Json{{"index", index}, {"content_block", start}});
    for (std::string_view piece : chunks(text, options)) {
      event("content_block_delta", Json{{"index", index}, {"delta", Json{{"type", delta_type}, {field, piece}}}},
            piece.size());
    }
  }
  void block_stop(int index) { event("content_block_stop", Json{{"index", index}}); }
  std::vector<SseChunk> take() { return std::move(out_); }

 private:
  std::vector<SseChunk> out_;
};

Json message_json(const AssistantTurn& turn, Json content, Json stop_reason, Json usage) {
  return Json{{"id", id_or(turn.id, "msg_0")}, {"type", "message"}, {"role", "assistant"},
              {"model", turn.model}, {"content", std::move(content)}, {"stop_reason", std::move(stop_reason)},
              {"stop_sequence", nullptr}, {"usage", std::move(usage)}};
}

}  // namespace

std::unique_ptr<StreamDecoder> make_anthropic_decoder() { return std::make_unique<AnthropicDecoder>(); }

AssistantTurn decode_anthropic_body(const Json& body) {
  AssistantTurn turn;
  turn.id = string_member(body, "id");
  turn.model = string_member(body, "model");
  if (const Json* content = array_member(body, "content")) {
    for (const Json& block : *content) {
      const std::string type = string_member(block, "type");
      if (type == "text") turn.text += string_member(block, "text");
      if (type == "thinking") turn.reasoning += string_member(block, "thinking");
      if (type == "tool_use") {
        turn.tool_calls.push_back(ToolCall{string_member(block, "id"), string_member(block, "name"),
                                           tool_arguments_of("", member(block, "input"))});
      }
    }
  }
  const std::string reason = string_member(body, "stop_reason");
  if (!reason.empty()) turn.stop = stop_from(reason);
  if (const Json* u = object_member(body, "usage")) {
    RawUsage raw;
    raw.merge(*u);
    turn.usage = raw.usage();
  }
  return turn;
}

std::vector<SseChunk> encode_anthropic_stream(const AssistantTurn& turn, const EncodeOptions& options) {
  EventWriter w;
  Json start_usage = usage_json(turn.usage, false);
  if (turn.usage.output) start_usage["output_tokens"] = 1;  // as the API does; message_delta has the total
  w.event("message_start", Json{{"message", message_json(turn, Json::array(), nullptr, std::move(start_usage))}});
  w.event("ping", Json::object());
  int index = 0;
  if (!turn.reasoning.empty()) {
    w.block(index, Json{{"type", "thinking"}, {"thinking", ""}, {"signature", ""}}, "thinking_delta", "thinking",
            turn.reasoning, options);
    // Placeholder: clients send thinking back with its signature; only a simulator reads it.
    w.event("content_block_delta",
            Json{{"index", index}, {"delta", Json{{"type", "signature_delta"}, {"signature", "agentrace-sim"}}}});
    w.block_stop(index++);
  }
  if (!turn.text.empty()) {
    w.block(index, Json{{"type", "text"}, {"text", ""}}, "text_delta", "text", turn.text, options);
    w.block_stop(index++);
  }
  for (std::size_t i = 0; i < turn.tool_calls.size(); ++i) {
    const ToolCall& call = turn.tool_calls[i];
    Json start{{"type", "tool_use"}, {"id", tool_id(call, i)}, {"name", call.name}, {"input", Json::object()}};
    w.event("content_block_start", Json{{"index", index}, {"content_block", start}});
    w.event("content_block_delta", Json{{"index", index}, {"delta", Json{{"type", "input_json_delta"}, {"partial_json", ""}}}});
    for (std::string_view piece : chunks(call.arguments, options)) {
      w.event("content_block_delta",
              Json{{"index", index}, {"delta", Json{{"type", "input_json_delta"}, {"partial_json", piece}}}},
              piece.size());
    }
    w.block_stop(index++);
  }
  if (turn.stop != StopReason::none || turn.usage.output) {
    Json usage = Json::object();
    if (turn.usage.output) usage["output_tokens"] = *turn.usage.output;
    w.event("message_delta", Json{{"delta", Json{{"stop_reason", stop_json(turn.stop)}, {"stop_sequence", nullptr}}},
                                  {"usage", std::move(usage)}});
  }
  if (turn.error) {
    w.event("error", Json{{"error", Json{{"type", turn.error->type}, {"message", turn.error->message}}}});
  } else {
    w.event("message_stop", Json::object());
  }
  return w.take();
}

Json encode_anthropic_body(const AssistantTurn& turn, const EncodeOptions&) {
  if (turn.error) return error_json(*turn.error);
  Json content = Json::array();
  if (!turn.reasoning.empty()) {
    content.push_back(Json{{"type", "thinking"}, {"thinking", turn.reasoning}, {"signature", "agentrace-sim"}});
  }
  if (!turn.text.empty()) content.push_back(Json{{"type", "text"}, {"text", turn.text}});
  for (std::size_t i = 0; i < turn.tool_calls.size(); ++i) {
    const ToolCall& call = turn.tool_calls[i];
    content.push_back(Json{{"type", "tool_use"}, {"id", tool_id(call, i)}, {"name", call.name},
                           {"input", input_json(call.arguments)}});
  }
  return message_json(turn, std::move(content), stop_json(turn.stop), usage_json(turn.usage, true));
}

}  // namespace agentrace::wire::detail
