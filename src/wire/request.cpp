#include "wire/request.hpp"

#include "wire/json-util.hpp"

namespace agentrace::wire {

using detail::Json;
using detail::array_member;
using detail::content_text;
using detail::member;
using detail::object_member;
using detail::string_member;

namespace {

void append_line(std::string& into, const std::string& text) {
  if (text.empty()) return;
  if (!into.empty()) into.push_back('\n');
  into += text;
}

void add_user_text(RequestInfo& info, std::string text) {
  if (text.empty()) return;
  if (info.first_user_text.empty()) info.first_user_text = text;
  info.last_user_text = std::move(text);
}

void add_result(RequestInfo& info, std::string id, const Json* content) {
  info.tool_result_ids.push_back(std::move(id));
  info.tool_result_texts.push_back(content ? content_text(*content) : "");
}

std::string content_of(const Json& message) {
  const Json* content = member(message, "content");
  return content ? content_text(*content) : "";
}

// Chat puts the name under `function`; Anthropic and Responses at the top; built-in tools
// (web_search, namespace, ...) may have only a type.
void read_tools(RequestInfo& info, const Json& body) {
  const Json* tools = array_member(body, "tools");
  if (!tools) return;
  for (const Json& tool : *tools) {
    const Json* fn = object_member(tool, "function");
    std::string name = fn ? string_member(*fn, "name") : "";
    if (name.empty()) name = string_member(tool, "name");
    if (name.empty()) name = string_member(tool, "type");
    if (!name.empty()) info.tool_names.push_back(std::move(name));
  }
}

void read_chat(RequestInfo& info, const Json& body) {
  if (const Json* options = object_member(body, "stream_options")) {
    info.include_usage = detail::bool_member(*options, "include_usage");
  }
  const Json* messages = array_member(body, "messages");
  if (!messages) return;
  info.message_count = messages->size();
  for (const Json& m : *messages) {
    const std::string role = string_member(m, "role");
    if (role == "system" || role == "developer") append_line(info.system_text, content_of(m));
    if (role == "user") add_user_text(info, content_of(m));
    if (role == "tool") add_result(info, string_member(m, "tool_call_id"), member(m, "content"));
    if (role != "assistant") continue;
    if (const Json* calls = array_member(m, "tool_calls")) {
      for (const Json& call : *calls) info.tool_call_ids.push_back(string_member(call, "id"));
    }
  }
}

void read_anthropic_blocks(RequestInfo& info, const std::string& role, const Json& content) {
  if (!content.is_array()) return;
  for (const Json& block : content) {
    const std::string type = string_member(block, "type");
    if (role == "assistant" && type == "tool_use") info.tool_call_ids.push_back(string_member(block, "id"));
    if (type == "tool_result") add_result(info, string_member(block, "tool_use_id"), member(block, "content"));
  }
}

void read_anthropic(RequestInfo& info, const Json& body) {
  if (const Json* system = member(body, "system")) append_line(info.system_text, content_text(*system));
  const Json* messages = array_member(body, "messages");
  if (!messages) return;
  info.message_count = messages->size();
  for (const Json& m : *messages) {
    const std::string role = string_member(m, "role");
    const Json* content = member(m, "content");
    if (!content) continue;
    // Claude Code may put role:"system" entries among the messages.
    if (role == "system") append_line(info.system_text, content_text(*content));
    if (role == "user") add_user_text(info, content_text(*content));
    read_anthropic_blocks(info, role, *content);
  }
}

void read_responses_item(RequestInfo& info, const Json& item) {
  std::string type = string_member(item, "type");
  if (type.empty() && member(item, "role")) type = "message";
  if (type == "message") {
    const std::string role = string_member(item, "role");
    if (role == "system" || role == "developer") append_line(info.system_text, content_of(item));
    if (role == "user") add_user_text(info, content_of(item));
  } else if (type == "function_call" || type == "custom_tool_call" || type == "local_shell_call") {
    info.tool_call_ids.push_back(string_member(item, "call_id"));
  } else if (type == "function_call_output" || type == "custom_tool_call_output" ||
             type == "local_shell_call_output") {
    add_result(info, string_member(item, "call_id"), member(item, "output"));
  }
}

void read_responses(RequestInfo& info, const Json& body) {
  append_line(info.system_text, string_member(body, "instructions"));
  const Json* input = member(body, "input");
  if (!input) return;
  if (input->is_string()) {
    info.message_count = 1;
    add_user_text(info, input->get<std::string>());
    return;
  }
  if (!input->is_array()) return;
  info.message_count = input->size();
  for (const Json& item : *input) read_responses_item(info, item);
}

bool has_anthropic_blocks(const Json& messages) {
  for (const Json& m : messages) {
    const Json* content = array_member(m, "content");
    if (!content) continue;
    for (const Json& block : *content) {
      const std::string type = string_member(block, "type");
      if (type == "tool_use" || type == "tool_result" || type == "thinking") return true;
    }
  }
  return false;
}

std::optional<Protocol> protocol_of_body(std::string_view body) {
  const std::optional<Json> json = detail::parse_json(body);
  if (!json || !member(*json, "model")) return std::nullopt;
  if (member(*json, "input")) return Protocol::openai_responses;
  const Json* messages = array_member(*json, "messages");
  if (!messages) return std::nullopt;
  const bool anthropic = member(*json, "system") || member(*json, "anthropic_version") ||
                         member(*json, "stop_sequences") || has_anthropic_blocks(*messages);
  return anthropic ? Protocol::anthropic_messages : Protocol::openai_chat;
}

}  // namespace

RequestInfo inspect_request(Protocol protocol, std::string_view body) {
  RequestInfo info;
  info.protocol = protocol;
  const std::optional<Json> json = detail::parse_json(body);
  if (!json || !json->is_object()) {
    info.error = WireError{"malformed", "the request body is not a JSON object"};
    return info;
  }
  info.model = string_member(*json, "model");
  info.stream = detail::bool_member(*json, "stream");
  read_tools(info, *json);
  switch (protocol) {
    case Protocol::openai_chat: read_chat(info, *json); break;
    case Protocol::anthropic_messages: read_anthropic(info, *json); break;
    case Protocol::openai_responses: read_responses(info, *json); break;
  }
  return info;
}

std::optional<Protocol> detect_protocol(std::string_view path, std::string_view body) {
  path = path.substr(0, path.find('?'));
  while (path.size() > 1 && path.ends_with('/')) path.remove_suffix(1);
  if (path.ends_with("/chat/completions")) return Protocol::openai_chat;
  if (path.ends_with("/messages")) return Protocol::anthropic_messages;
  if (path.ends_with("/responses")) return Protocol::openai_responses;
  if (path.ends_with("/count_tokens") || path.ends_with("/input_tokens") || body.empty()) return std::nullopt;
  return protocol_of_body(body);
}

}  // namespace agentrace::wire
