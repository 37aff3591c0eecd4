// OpenAI Responses (Codex): typed events with sequence numbers, and response bodies.
#include "wire/codecs.hpp"

namespace agentrace::wire::detail {
namespace {

bool is_tool_call(std::string_view type) { return type == "function_call" || type == "custom_tool_call"; }

// function_call items carry `arguments`, custom (freeform) tool calls carry `input`.
std::string call_arguments(const Json& item) {
  const Json* args = member(item, "arguments");
  if (!args) args = member(item, "input");
  if (!args || args->is_null()) return {};
  return args->is_string() ? args->get<std::string>() : dump(*args);
}

std::string message_text(const Json& item) {
  std::string text;
  if (const Json* content = array_member(item, "content")) {
    for (const Json& part : *content) {
      if (string_member(part, "type") == "output_text") text += string_member(part, "text");
    }
  }
  return text;
}

// Summaries (OpenAI models) or reasoning_text content (open-weight models behind vLLM).
std::string reasoning_text(const Json& item) {
  std::string text;
  for (const char* key : {"summary", "content"}) {
    if (const Json* parts = array_member(item, key)) {
      for (const Json& part : *parts) text += string_member(part, "text");
    }
  }
  return text;
}

Usage usage_from(const Json& u) {
  Usage usage{int_member(u, "input_tokens"), int_member(u, "output_tokens"), {}, {}};
  if (const Json* d = object_member(u, "input_tokens_details")) usage.cached_input = int_member(*d, "cached_tokens");
  if (const Json* d = object_member(u, "output_tokens_details")) usage.reasoning = int_member(*d, "reasoning_tokens");
  return usage;
}

WireError error_from(const Json& err) {
  WireError e{string_member(err, "code"), string_member(err, "message")};
  if (e.type.empty()) e.type = string_member(err, "type");
  if (e.type.empty()) e.type = "error";
  return e;
}

// Status and incomplete_details as a stop reason, and its raw text.
std::pair<StopReason, std::string> stop_from(const Json& response, bool has_tool_calls) {
  const std::string status = string_member(response, "status");
  if (status == "failed") return {StopReason::error, status};
  if (status == "incomplete") {
    const Json* details = object_member(response, "incomplete_details");
    const std::string reason = details ? string_member(*details, "reason") : "";
    if (reason == "max_output_tokens") return {StopReason::max_tokens, reason};
    if (reason == "content_filter") return {StopReason::content_filter, reason};
    return {StopReason::other, reason.empty() ? status : reason};
  }
  if (status == "completed") return {has_tool_calls ? StopReason::tool_use : StopReason::end_turn, status};
  return {StopReason::none, status};
}

class ResponsesDecoder final : public StreamDecoder {
 private:
  struct Item {
    std::optional<std::int64_t> output_index;
    std::string id, type;
    int ordinal = -1;  // tool call ordinal
    std::string call_id, name, arguments;
    bool content_seen = false;  // text or reasoning deltas arrived for it
    bool finished = false;
  };

  void decode(const SseEvent& event) override {
    const std::optional<Json> j = parse_json(event.data);
    if (!j || !j->is_object()) return malformed("event data is not a JSON object", event.data);
    std::string type = string_member(*j, "type");
    if (type.empty()) type = event.event;
    if (type == "response.created" || type == "response.in_progress") return begin(*j);
    if (type == "response.output_item.added") return item_added(*j);
    if (type == "response.output_text.delta") return content_delta(*j, false);
    if (type == "response.reasoning_summary_text.delta" || type == "response.reasoning_text.delta") {
      return content_delta(*j, true);
    }
    if (type == "response.function_call_arguments.delta" || type == "response.custom_tool_call_input.delta") {
      return arguments_delta(*j);
    }
    if (type == "response.output_item.done") return item_done(*j);
    if (type == "response.completed" || type == "response.incomplete" || type == "response.failed") return end(*j);
    if (type == "error") {
      const Json* nested = object_member(*j, "error");
      const WireError e = error_from(nested ? *nested : *j);
      error(e.type, e.message);
      return set_done();
    }
  }

  void begin(const Json& j) {
    if (began_) return;
    began_ = true;
    const Json* response = object_member(j, "response");
    if (response) started(string_member(*response, "id"), string_member(*response, "model"));
  }

  Item* find(const Json& j) {
    const auto index = int_member(j, "output_index");
    const std::string id = string_member(j, "item_id");
    for (Item& item : items_) {
      if (index ? item.output_index == index : (!id.empty() && item.id == id)) return &item;
    }
    return nullptr;
  }

  Item& add(const Json& j, const Json& item) {
    items_.push_back(Item{int_member(j, "output_index"), string_member(item, "id"), string_member(item, "type")});
    Item& it = items_.back();
    if (is_tool_call(it.type)) {
      it.ordinal = tool_count_++;
      it.call_id = string_member(item, "call_id");
      it.name = string_member(item, "name");
      tool_started(it.ordinal, it.call_id, it.name);
    }
    return it;
  }

  void item_added(const Json& j) {
    const Json* item = object_member(j, "item");
    if (!item) return malformed("output_item.added without an item", "");
    Item& it = add(j, *item);
    if (it.ordinal >= 0) {
      it.arguments = call_arguments(*item);
      tool_arguments(it.ordinal, it.arguments);
    }
  }

  void content_delta(const Json& j, bool is_reasoning) {
    if (Item* item = find(j)) item->content_seen = true;
    const std::string delta = string_member(j, "delta");
    is_reasoning ? reasoning(delta) : text(delta);
  }

  void arguments_delta(const Json& j) {
    Item* item = find(j);
    if (!item || item->ordinal < 0 || item->finished) return malformed("arguments delta outside a tool call item", "");
    const std::string delta = string_member(j, "delta");
    item->arguments += delta;
    tool_arguments(item->ordinal, delta);
  }

  void item_done(const Json& j) {
    const Json* item = object_member(j, "item");
    if (!item) return malformed("output_item.done without an item", "");
    Item* it = find(j);
    if (!it) it = &add(j, *item);
    if (it->ordinal >= 0) {
      // The done item's arguments are authoritative; deltas may have been skipped.
      if (member(*item, "arguments") || member(*item, "input")) it->arguments = call_arguments(*item);
      finish(*it);
    } else if (!it->content_seen) {
      const std::string type = string_member(*item, "type");
      if (type == "message") text(message_text(*item));
      if (type == "reasoning") reasoning(reasoning_text(*item));
    }
    it->finished = true;
  }

  void finish(Item& item) {
    if (item.ordinal < 0 || item.finished) return;
    item.finished = true;
    tool_finished(item.ordinal, item.call_id, item.name, item.arguments);
  }

  void end(const Json& j) {
    const Json* response = object_member(j, "response");
    if (!response) return malformed("final event without a response", "");
    begin(j);
    if (items_.empty()) replay_output(*response);
    close_open_calls();
    if (const Json* u = object_member(*response, "usage")) usage(usage_from(*u));
    if (const Json* err = object_member(*response, "error")) {
      const WireError e = error_from(*err);
      error(e.type, e.message);
    }
    auto [reason, raw] = stop_from(*response, tool_count_ > 0);
    stop(reason, raw);
    set_done();
  }

  // A server that sent only the final event: its output is the whole response.
  void replay_output(const Json& response) {
    const AssistantTurn turn = decode_responses_body(response);
    reasoning(turn.reasoning);
    text(turn.text);
    for (const ToolCall& call : turn.tool_calls) {
      const int ordinal = tool_count_++;
      tool_started(ordinal, call.id, call.name);
      tool_arguments(ordinal, call.arguments);
      tool_finished(ordinal, call.id, call.name, call.arguments);
    }
  }

  void close_open_calls() override {
    for (Item& item : items_) finish(item);
  }

  std::vector<Item> items_;
  int tool_count_ = 0;
  bool began_ = false;
};

Json usage_json(const Usage& usage) {
  if (usage.empty()) return nullptr;
  Json u = Json::object();
  if (usage.input) u["input_tokens"] = *usage.input;
  if (usage.cached_input) u["input_tokens_details"] = Json{{"cached_tokens", *usage.cached_input}};
  if (usage.output) u["output_tokens"] = *usage.output;
  if (usage.reasoning) u["output_tokens_details"] = Json{{"reasoning_tokens", *usage.reasoning}};
  if (usage.input && usage.output) u["total_tokens"] = *usage.input + *usage.output;
  return u;
}

Json text_part(std::string_view text) {
  return Json{{"type", "output_text"}, {"annotations", Json::array()}, {"text", text}};
}

std::string call_id(const ToolCall& call, std::size_t i) {
  return call.id.empty() ? "call_" + std::to_string(i) : call.id;
}

// The output items of a finished turn, in stream order: reasoning, message, tool calls.
Json output_items(const AssistantTurn& turn) {
  Json out = Json::array();
  if (!turn.reasoning.empty()) {
    out.push_back(Json{{"id", "rs_0"}, {"type", "reasoning"},
                       {"summary", Json::array({Json{{"type", "summary_text"}, {"text", turn.reasoning}}})}});
  }
  if (!turn.text.empty()) {
    out.push_back(Json{{"id", "msg_0"}, {"type", "message"}, {"status", "completed"},
                       {"content", Json::array({text_part(turn.text)})}, {"role", "assistant"}});
  }
  for (std::size_t i = 0; i < turn.tool_calls.size(); ++i) {
    const ToolCall& call = turn.tool_calls[i];
    out.push_back(Json{{"id", "fc_" + std::to_string(i)}, {"type", "function_call"}, {"status", "completed"},
                       {"arguments", call.arguments}, {"call_id", call_id(call, i)}, {"name", call.name}});
  }
  return out;
}

const char* status_of(StopReason stop) {
  switch (stop) {
    case StopReason::max_tokens:
    case StopReason::content_filter: return "incomplete";
    case StopReason::error: return "failed";
    default: return "completed";
  }
}

Json response_json(const AssistantTurn& turn, const EncodeOptions& options, const char* status, Json output,
                   Json usage) {
  Json r{{"id", id_or(turn.id, "resp_0")}, {"object", "response"}, {"created_at", options.created},
         {"status", status}, {"error", nullptr}, {"incomplete_details", nullptr}, {"model", turn.model},
         {"output", std::move(output)}, {"usage", std::move(usage)}};
  if (std::string_view(status) == "incomplete") {
    r["incomplete_details"] =
        Json{{"reason", turn.stop == StopReason::max_tokens ? "max_output_tokens" : "content_filter"}};
  }
  if (std::string_view(status) == "failed" && turn.error) {
    r["error"] = Json{{"code", turn.error->type}, {"message", turn.error->message}};
  }
  return r;
}

class EventWriter {
 public:
  void event(const char* type, Json payload, std::size_t content_bytes = 0) {
    Json data{{"type", type}, {"sequence_number", sequence_++}};
    data.update(payload);
    out_.push_back(SseChunk{encode_sse(type, dump(data)), content_bytes});
  }
  std::vector<SseChunk> take() { return std::move(out_); }

 private:
  std::int64_t sequence_ = 0;
  std::vector<SseChunk> out_;
};

// One output item's events: added, `deltas` (the middle part), done.
template <typename Deltas>
void item_events(EventWriter& w, int index, const Json& done_item, Json added_item, Deltas deltas) {
  w.event("response.output_item.added", Json{{"output_index", index}, {"item", std::move(added_item)}});
  deltas();
  w.event("response.output_item.done", Json{{"output_index", index}, {"item", done_item}});
}

void reasoning_events(EventWriter& w, int index, const Json& item, const std::string& text,
                      const EncodeOptions& options) {
  const Json at{{"item_id", item.at("id")}, {"output_index", index}, {"summary_index", 0}};
  Json added = item;
  added["summary"] = Json::array();
  item_events(w, index, item, std::move(added), [&] {
    Json part = at;
    part["part"] = Json{{"type", "summary_text"}, {"text", ""}};
    w.event("response.reasoning_summary_part.added", part);
    for (std::string_view piece : chunks(text, options)) {
      Json d = at;
      d["delta"] = piece;
      w.event("response.reasoning_summary_text.delta", std::move(d), piece.size());
    }
    Json done = at;
    done["text"] = text;
    w.event("response.reasoning_summary_text.done", std::move(done));
    part["part"]["text"] = text;
    w.event("response.reasoning_summary_part.done", std::move(part));
  });
}

void message_events(EventWriter& w, int index, const Json& item, const std::string& text,
                    const EncodeOptions& options) {
  const Json at{{"item_id", item.at("id")}, {"output_index", index}, {"content_index", 0}};
  Json added = item;
  added["status"] = "in_progress";
  added["content"] = Json::array();
  item_events(w, index, item, std::move(added), [&] {
    Json part = at;
    part["part"] = text_part("");
    w.event("response.content_part.added", part);
    for (std::string_view piece : chunks(text, options)) {
      Json d = at;
      d["delta"] = piece;
      d["logprobs"] = Json::array();
      w.event("response.output_text.delta", std::move(d), piece.size());
    }
    Json done = at;
    done["text"] = text;
    done["logprobs"] = Json::array();
    w.event("response.output_text.done", std::move(done));
    part["part"] = text_part(text);
    w.event("response.content_part.done", std::move(part));
  });
}

void call_events(EventWriter& w, int index, const Json& item, const std::string& arguments,
                 const EncodeOptions& options) {
  const Json at{{"item_id", item.at("id")}, {"output_index", index}};
  Json added = item;
  added["status"] = "in_progress";
  added["arguments"] = "";
  item_events(w, index, item, std::move(added), [&] {
    for (std::string_view piece : chunks(arguments, options)) {
      Json d = at;
      d["delta"] = piece;
      w.event("response.function_call_arguments.delta", std::move(d), piece.size());
    }
    Json done = at;
    done["arguments"] = arguments;
    w.event("response.function_call_arguments.done", std::move(done));
  });
}

}  // namespace

std::unique_ptr<StreamDecoder> make_responses_decoder() { return std::make_unique<ResponsesDecoder>(); }

AssistantTurn decode_responses_body(const Json& body) {
  AssistantTurn turn;
  turn.id = string_member(body, "id");
  turn.model = string_member(body, "model");
  if (const Json* output = array_member(body, "output")) {
    for (const Json& item : *output) {
      const std::string type = string_member(item, "type");
      if (type == "message") turn.text += message_text(item);
      if (type == "reasoning") turn.reasoning += reasoning_text(item);
      if (is_tool_call(type)) {
        turn.tool_calls.push_back(ToolCall{string_member(item, "call_id"), string_member(item, "name"), call_arguments(item)});
      }
    }
  }
  if (const Json* u = object_member(body, "usage")) turn.usage = usage_from(*u);
  if (const Json* err = object_member(body, "error")) turn.error = error_from(*err);
  turn.stop = stop_from(body, !turn.tool_calls.empty()).first;
  return turn;
}

std::vector<SseChunk> encode_responses_stream(const AssistantTurn& turn, const EncodeOptions& options) {
  EventWriter w;
  const Json head = response_json(turn, options, "in_progress", Json::array(), nullptr);
  w.event("response.created", Json{{"response", head}});
  w.event("response.in_progress", Json{{"response", head}});
  const Json items = output_items(turn);
  int index = 0;
  if (!turn.reasoning.empty()) {
    reasoning_events(w, index, items.at(index), turn.reasoning, options);
    ++index;
  }
  if (!turn.text.empty()) {
    message_events(w, index, items.at(index), turn.text, options);
    ++index;
  }
  for (const ToolCall& call : turn.tool_calls) {
    call_events(w, index, items.at(index), call.arguments, options);
    ++index;
  }
  if (turn.error) {
    w.event("error", Json{{"code", turn.error->type}, {"message", turn.error->message}, {"param", nullptr}});
    if (turn.stop != StopReason::error) return w.take();
  }
  const char* status = status_of(turn.stop);
  const std::string final_type = std::string("response.") + status;
  w.event(final_type.c_str(), Json{{"response", response_json(turn, options, status, items, usage_json(turn.usage))}});
  return w.take();
}

Json encode_responses_body(const AssistantTurn& turn, const EncodeOptions& options) {
  if (turn.error && turn.stop != StopReason::error) {
    return Json{{"error", Json{{"message", turn.error->message}, {"type", turn.error->type}, {"param", nullptr},
                               {"code", nullptr}}}};
  }
  return response_json(turn, options, status_of(turn.stop), output_items(turn), usage_json(turn.usage));
}

}  // namespace agentrace::wire::detail
