#include "agent/conversation.hpp"

#include "agent/tools.hpp"

namespace agentrace::agent {
namespace {

constexpr const char* kSystemPrompt =
    "You are a coding agent. The git repository in the current folder ({workdir}) has a bug, "
    "described in the user's message. Fix it.\n"
    "- Use the tools to read the code, change it, and run commands (tests, builds) to check your fix.\n"
    "- Paths are relative to the repository folder. Make the smallest change that fixes the bug; keep the "
    "style of the code around it. Do not commit.\n"
    "- When the fix is done, reply with a one-paragraph summary and no tool call: that ends the session.";

// Anthropic needs an object as `input`; arguments that are not one are sent as {}.
Json input_object(const std::string& arguments) {
  Json input = Json::parse(arguments, nullptr, false);
  return input.is_object() ? input : Json::object();
}

Json openai_tools() {
  Json tools = Json::array();
  for (const auto& t : tool_specs()) {
    tools.push_back(Json{{"type", "function"},
                         {"function", Json{{"name", t.name}, {"description", t.description}, {"parameters", t.parameters}}}});
  }
  return tools;
}

Json anthropic_tools() {
  Json tools = Json::array();
  for (const auto& t : tool_specs())
    tools.push_back(Json{{"name", t.name}, {"description", t.description}, {"input_schema", t.parameters}});
  return tools;
}

void add_openai(Json& messages, const Message& m) {
  switch (m.kind) {
    case Message::Kind::user: messages.push_back(Json{{"role", "user"}, {"content", m.text}}); return;
    case Message::Kind::assistant: {
      Json msg{{"role", "assistant"}, {"content", m.text.empty() ? Json(nullptr) : Json(m.text)}};
      if (!m.calls.empty()) {
        Json calls = Json::array();
        for (const auto& c : m.calls) {
          calls.push_back(Json{{"id", c.id}, {"type", "function"},
                               {"function", Json{{"name", c.name}, {"arguments", c.arguments}}}});
        }
        msg["tool_calls"] = std::move(calls);
      }
      messages.push_back(std::move(msg));
      return;
    }
    case Message::Kind::tool_results:
      for (const auto& r : m.results)
        messages.push_back(Json{{"role", "tool"}, {"tool_call_id", r.call_id}, {"content", r.text}});
      return;
  }
}

Json anthropic_message(const Message& m) {
  switch (m.kind) {
    case Message::Kind::user: return Json{{"role", "user"}, {"content", m.text}};
    case Message::Kind::assistant: {
      Json blocks = Json::array();
      if (!m.text.empty()) blocks.push_back(Json{{"type", "text"}, {"text", m.text}});
      for (const auto& c : m.calls)
        blocks.push_back(Json{{"type", "tool_use"}, {"id", c.id}, {"name", c.name}, {"input", input_object(c.arguments)}});
      return Json{{"role", "assistant"}, {"content", std::move(blocks)}};
    }
    case Message::Kind::tool_results: {
      Json blocks = Json::array();
      for (const auto& r : m.results) {
        Json b{{"type", "tool_result"}, {"tool_use_id", r.call_id}, {"content", r.text}};
        if (r.error) b["is_error"] = true;
        blocks.push_back(std::move(b));
      }
      return Json{{"role", "user"}, {"content", std::move(blocks)}};
    }
  }
  return Json::object();
}

Json openai_body(const RequestSettings& s, const std::string& system, const std::vector<Message>& history) {
  Json messages = Json::array({Json{{"role", "system"}, {"content", system}}});
  for (const auto& m : history) add_openai(messages, m);
  Json body{{"model", s.model}, {"messages", std::move(messages)}, {"tools", openai_tools()}, {"stream", true},
            {"stream_options", Json{{"include_usage", true}}}};
  if (s.max_tokens) body["max_tokens"] = *s.max_tokens;
  return body;
}

Json anthropic_body(const RequestSettings& s, const std::string& system, const std::vector<Message>& history) {
  Json messages = Json::array();
  for (const auto& m : history) messages.push_back(anthropic_message(m));
  return Json{{"model", s.model}, {"max_tokens", s.max_tokens.value_or(kAnthropicDefaultMaxTokens)},
              {"system", system}, {"messages", std::move(messages)}, {"tools", anthropic_tools()}, {"stream", true}};
}

Json calls_json(const std::vector<wire::ToolCall>& calls) {
  Json out = Json::array();
  for (const auto& c : calls) out.push_back(Json{{"id", c.id}, {"name", c.name}, {"arguments", c.arguments}});
  return out;
}

}  // namespace

std::string system_prompt(const std::string& workdir) {
  std::string s = kSystemPrompt;
  const std::string key = "{workdir}";
  s.replace(s.find(key), key.size(), workdir);
  return s;
}

Json request_body(const RequestSettings& settings, const std::string& system, const std::vector<Message>& history) {
  if (settings.protocol == wire::Protocol::anthropic_messages) return anthropic_body(settings, system, history);
  return openai_body(settings, system, history);
}

Json transcript_json(const Message& m) {
  switch (m.kind) {
    case Message::Kind::user: return Json{{"role", "user"}, {"text", m.text}};
    case Message::Kind::assistant: return Json{{"role", "assistant"}, {"text", m.text}, {"tool_calls", calls_json(m.calls)}};
    case Message::Kind::tool_results: {
      Json results = Json::array();
      for (const auto& r : m.results)
        results.push_back(Json{{"id", r.call_id}, {"name", r.name}, {"error", r.error}, {"text", r.text}});
      return Json{{"role", "tool"}, {"results", std::move(results)}};
    }
  }
  return Json::object();
}

Json transcript_json(const wire::AssistantTurn& t) {
  Json j{{"id", t.id}, {"model", t.model}, {"text", t.text}};
  if (!t.reasoning.empty()) j["reasoning"] = t.reasoning;
  j["tool_calls"] = calls_json(t.tool_calls);
  j["stop"] = std::string(wire::stop_reason_name(t.stop));
  Json usage = Json::object();
  if (t.usage.input) usage["input"] = *t.usage.input;
  if (t.usage.output) usage["output"] = *t.usage.output;
  if (t.usage.cached_input) usage["cached_input"] = *t.usage.cached_input;
  j["usage"] = std::move(usage);
  if (t.error) j["error"] = Json{{"type", t.error->type}, {"message", t.error->message}};
  return j;
}

}  // namespace agentrace::agent
