// OpenAI Chat Completions (also vLLM, llama.cpp, SGLang, Ollama's /v1): chat.completion.chunk
// streams ended by `data: [DONE]`, and chat.completion bodies.
#include <map>

#include "wire/codecs.hpp"

namespace agentrace::wire::detail {
namespace {

StopReason stop_from(std::string_view reason) {
  if (reason == "stop") return StopReason::end_turn;
  if (reason == "length") return StopReason::max_tokens;
  if (reason == "tool_calls" || reason == "function_call") return StopReason::tool_use;
  if (reason == "content_filter") return StopReason::content_filter;
  if (reason == "error") return StopReason::error;
  return StopReason::other;
}

Json finish_reason(StopReason reason) {
  switch (reason) {
    case StopReason::none: return nullptr;
    case StopReason::max_tokens: return "length";
    case StopReason::tool_use: return "tool_calls";
    case StopReason::content_filter: return "content_filter";
    case StopReason::error: return "error";
    case StopReason::end_turn:
    case StopReason::stop_sequence:
    case StopReason::other: return "stop";
  }
  return "stop";
}

Usage usage_from(const Json& u) {
  Usage usage{int_member(u, "prompt_tokens"), int_member(u, "completion_tokens"), {}, {}};
  if (const Json* d = object_member(u, "prompt_tokens_details")) usage.cached_input = int_member(*d, "cached_tokens");
  if (const Json* d = object_member(u, "completion_tokens_details")) usage.reasoning = int_member(*d, "reasoning_tokens");
  return usage;
}

ServerTimings timings_from(const Json& t) {
  return ServerTimings{number_member(t, "prompt_ms"), number_member(t, "predicted_ms")};
}

// vLLM and llama.cpp say `reasoning_content`; newer vLLM and OpenRouter say `reasoning`.
std::string reasoning_of(const Json& delta) {
  std::string r = string_member(delta, "reasoning_content");
  return r.empty() ? string_member(delta, "reasoning") : r;
}

// Arguments are a JSON string by the spec; a few servers send the object itself.
std::string arguments_of(const Json& function) {
  const Json* args = member(function, "arguments");
  if (!args || args->is_null()) return {};
  return args->is_string() ? args->get<std::string>() : dump(*args);
}

class ChatDecoder final : public StreamDecoder {
 private:
  struct Call {
    std::int64_t key;
    std::string id;
    std::string name;
    std::string arguments;
    bool finished = false;
  };

  void decode(const SseEvent& event) override {
    if (event.data == "[DONE]") {
      close_open_calls();
      set_done();
      return;
    }
    const std::optional<Json> chunk = parse_json(event.data);
    if (!chunk || !chunk->is_object()) return malformed("chunk is not a JSON object", event.data);
    if (auto err = error_of(*chunk)) return error(err->type, err->message);
    if (!started_) {
      started_ = true;
      started(string_member(*chunk, "id"), string_member(*chunk, "model"));
    }
    if (const Json* choices = array_member(*chunk, "choices")) {
      for (const Json& choice : *choices) {
        if (int_member(choice, "index").value_or(0) == 0) decode_choice(choice);
      }
    }
    if (const Json* u = object_member(*chunk, "usage")) usage(usage_from(*u));
    if (const Json* t = object_member(*chunk, "timings")) timings(timings_from(*t));
  }

  void decode_choice(const Json& choice) {
    if (const Json* delta = object_member(choice, "delta")) {
      reasoning(reasoning_of(*delta));
      text(string_member(*delta, "content"));
      if (const Json* calls = array_member(*delta, "tool_calls")) {
        for (const Json& call : *calls) decode_call(call);
      }
    }
    const std::string reason = string_member(choice, "finish_reason");
    if (!reason.empty()) {
      close_open_calls();
      stop(stop_from(reason), reason);
    }
  }

  void decode_call(const Json& call) {
    const std::string id = string_member(call, "id");
    const Json* function = object_member(call, "function");
    const std::string name = function ? string_member(*function, "name") : "";
    const int ordinal = find_call(int_member(call, "index"), id, name);
    Call& c = calls_[static_cast<std::size_t>(ordinal)];
    if (c.id.empty()) c.id = id;
    if (c.name.empty()) c.name = name;
    if (!c.finished && function) {
      const std::string fragment = arguments_of(*function);
      c.arguments += fragment;
      tool_arguments(ordinal, fragment);
    }
  }

  // The ordinal of the call a delta belongs to, starting a new call when it is new. Deltas
  // without an index (some servers) continue the last call unless they bring a new id.
  int find_call(std::optional<std::int64_t> index, const std::string& id, const std::string& name) {
    if (!index) {
      const bool continues = !calls_.empty() && (id.empty() || id == calls_.back().id);
      index = continues ? calls_.back().key : next_free_key_--;
    }
    for (std::size_t i = 0; i < calls_.size(); ++i) {
      if (calls_[i].key == *index) return static_cast<int>(i);
    }
    const int ordinal = static_cast<int>(calls_.size());
    calls_.push_back(Call{*index, id, name, {}});
    tool_started(ordinal, id, name);
    return ordinal;
  }

  void close_open_calls() override {
    for (std::size_t i = 0; i < calls_.size(); ++i) {
      Call& c = calls_[i];
      if (c.finished) continue;
      c.finished = true;
      tool_finished(static_cast<int>(i), c.id, c.name, c.arguments);
    }
  }

  std::vector<Call> calls_;
  std::int64_t next_free_key_ = -1;
  bool started_ = false;
};

Json usage_json(const Usage& usage) {
  Json u = Json::object();
  if (usage.input) u["prompt_tokens"] = *usage.input;
  if (usage.output) u["completion_tokens"] = *usage.output;
  if (usage.input && usage.output) u["total_tokens"] = *usage.input + *usage.output;
  if (usage.cached_input) u["prompt_tokens_details"] = Json{{"cached_tokens", *usage.cached_input}};
  if (usage.reasoning) u["completion_tokens_details"] = Json{{"reasoning_tokens", *usage.reasoning}};
  return u;
}

Json timings_json(const ServerTimings& t) {
  Json j = Json::object();
  if (t.prompt_ms) j["prompt_ms"] = *t.prompt_ms;
  if (t.predicted_ms) j["predicted_ms"] = *t.predicted_ms;
  return j;
}

Json error_json(const WireError& e) {
  return Json{{"error", Json{{"message", e.message}, {"type", e.type}, {"param", nullptr}, {"code", nullptr}}}};
}

std::string call_id(const ToolCall& call, std::size_t i) {
  return call.id.empty() ? "call_" + std::to_string(i) : call.id;
}

class ChunkWriter {
 public:
  ChunkWriter(const AssistantTurn& turn, const EncodeOptions& options)
      : id_(id_or(turn.id, "chatcmpl-0")), model_(turn.model), created_(options.created) {}

  void delta(Json delta, std::size_t content_bytes, Json finish = nullptr, const Json* extra = nullptr) {
    Json choice{{"index", 0}, {"delta", std::move(delta)}, {"logprobs", nullptr}, {"finish_reason", std::move(finish)}};
    Json chunk = head();
    chunk["choices"] = Json::array({std::move(choice)});
    if (extra) chunk.update(*extra);
    data(chunk, content_bytes);
  }
  void usage(const Usage& u) {
    Json chunk = head();
    chunk["choices"] = Json::array();
    chunk["usage"] = usage_json(u);
    data(chunk, 0);
  }
  void data(const Json& payload, std::size_t content_bytes) {
    out_.push_back(SseChunk{encode_sse("", dump(payload)), content_bytes});
  }
  void done() { out_.push_back(SseChunk{encode_sse("", "[DONE]"), 0}); }
  std::vector<SseChunk> take() { return std::move(out_); }

 private:
  Json head() const {
    return Json{{"id", id_}, {"object", "chat.completion.chunk"}, {"created", created_}, {"model", model_}};
  }
  std::string id_;
  std::string model_;
  std::int64_t created_;
  std::vector<SseChunk> out_;
};

}  // namespace

std::unique_ptr<StreamDecoder> make_openai_chat_decoder() { return std::make_unique<ChatDecoder>(); }

AssistantTurn decode_openai_chat_body(const Json& body) {
  AssistantTurn turn;
  turn.id = string_member(body, "id");
  turn.model = string_member(body, "model");
  const Json* choices = array_member(body, "choices");
  if (choices && !choices->empty()) {
    const Json& choice = choices->front();
    if (const Json* message = object_member(choice, "message")) {
      if (const Json* content = member(*message, "content")) turn.text = content_text(*content);
      turn.reasoning = reasoning_of(*message);
      if (const Json* calls = array_member(*message, "tool_calls")) {
        for (const Json& call : *calls) {
          const Json* fn = object_member(call, "function");
          turn.tool_calls.push_back(ToolCall{string_member(call, "id"), fn ? string_member(*fn, "name") : "",
                                             fn ? arguments_of(*fn) : ""});
        }
      }
    }
    const std::string reason = string_member(choice, "finish_reason");
    if (!reason.empty()) turn.stop = stop_from(reason);
  }
  if (const Json* u = object_member(body, "usage")) turn.usage = usage_from(*u);
  if (const Json* t = object_member(body, "timings")) {
    const ServerTimings timings = timings_from(*t);
    if (timings.prompt_ms || timings.predicted_ms) turn.timings = timings;
  }
  return turn;
}

std::vector<SseChunk> encode_openai_chat_stream(const AssistantTurn& turn, const EncodeOptions& options) {
  ChunkWriter w(turn, options);
  w.delta(Json{{"role", "assistant"}, {"content", ""}}, 0);
  for (std::string_view piece : chunks(turn.reasoning, options)) w.delta(Json{{"reasoning_content", piece}}, piece.size());
  for (std::string_view piece : chunks(turn.text, options)) w.delta(Json{{"content", piece}}, piece.size());
  for (std::size_t i = 0; i < turn.tool_calls.size(); ++i) {
    const ToolCall& call = turn.tool_calls[i];
    Json first{{"index", i}, {"id", call_id(call, i)}, {"type", "function"},
               {"function", Json{{"name", call.name}, {"arguments", ""}}}};
    w.delta(Json{{"tool_calls", Json::array({first})}}, 0);
    for (std::string_view piece : chunks(call.arguments, options)) {
      Json more{{"index", i}, {"function", Json{{"arguments", piece}}}};
      w.delta(Json{{"tool_calls", Json::array({more})}}, piece.size());
    }
  }
  if (turn.stop != StopReason::none || turn.timings) {
    // llama.cpp puts its timings on this last choice chunk.
    const Json extra = turn.timings ? Json{{"timings", timings_json(*turn.timings)}} : Json::object();
    w.delta(Json::object(), 0, finish_reason(turn.stop), &extra);
  }
  if (options.include_usage && !turn.usage.empty()) w.usage(turn.usage);
  if (turn.error) w.data(error_json(*turn.error), 0);
  w.done();
  return w.take();
}

Json encode_openai_chat_body(const AssistantTurn& turn, const EncodeOptions& options) {
  if (turn.error) return error_json(*turn.error);
  Json message{{"role", "assistant"}, {"content", turn.text.empty() && !turn.tool_calls.empty() ? Json(nullptr) : Json(turn.text)}};
  if (!turn.reasoning.empty()) message["reasoning_content"] = turn.reasoning;
  if (!turn.tool_calls.empty()) {
    Json calls = Json::array();
    for (std::size_t i = 0; i < turn.tool_calls.size(); ++i) {
      const ToolCall& call = turn.tool_calls[i];
      calls.push_back(Json{{"id", call_id(call, i)}, {"type", "function"},
                           {"function", Json{{"name", call.name}, {"arguments", call.arguments}}}});
    }
    message["tool_calls"] = std::move(calls);
  }
  Json choice{{"index", 0}, {"message", std::move(message)}, {"logprobs", nullptr}, {"finish_reason", finish_reason(turn.stop)}};
  Json body{{"id", id_or(turn.id, "chatcmpl-0")}, {"object", "chat.completion"}, {"created", options.created},
            {"model", turn.model}, {"choices", Json::array({std::move(choice)})}};
  if (!turn.usage.empty()) body["usage"] = usage_json(turn.usage);
  if (turn.timings) body["timings"] = timings_json(*turn.timings);
  return body;
}

}  // namespace agentrace::wire::detail
