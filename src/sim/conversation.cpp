#include "sim/conversation.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace agentrace::sim {

using Json = nlohmann::json;

const ToolParam* OfferedTool::find(std::string_view param) const {
  for (const ToolParam& p : params) {
    if (p.name == param) return &p;
  }
  return nullptr;
}

namespace {

std::string str(const Json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const Json* find(const Json& j, const char* key) {
  const auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

bool flag(const Json& j, const char* key) {
  const Json* v = find(j, key);
  return v != nullptr && v->is_boolean() && v->get<bool>();
}

// A content string, or the `text` of its parts ("text", "input_text" ...), '\n'-joined.
std::string text_of(const Json* content) {
  if (content == nullptr) return {};
  if (content->is_string()) return content->get<std::string>();
  std::string out;
  if (!content->is_array()) return out;
  for (const Json& part : *content) {
    if (!part.is_object()) continue;
    const std::string text = str(part, "text");
    if (text.empty()) continue;
    if (!out.empty()) out.push_back('\n');
    out += text;
  }
  return out;
}

// Chat: function.parameters; Anthropic: input_schema; Responses: parameters.
const Json* schema_of(const Json& tool) {
  if (const Json* fn = find(tool, "function"); fn && fn->is_object()) return find(*fn, "parameters");
  if (const Json* s = find(tool, "input_schema")) return s;
  return find(tool, "parameters");
}

bool mentions_absolute(const Json& property) {
  const std::string description = str(property, "description");
  return description.find("absolute") != std::string::npos || description.find("Absolute") != std::string::npos;
}

bool is_path(std::string_view key) {
  return key.find("path") != std::string_view::npos || key.find("Path") != std::string_view::npos;
}

OfferedTool read_tool(const Json& tool) {
  OfferedTool out;
  if (const Json* fn = find(tool, "function"); fn && fn->is_object()) out.name = str(*fn, "name");
  if (out.name.empty()) out.name = str(tool, "name");
  if (out.name.empty()) out.name = str(tool, "type");
  const Json* schema = schema_of(tool);
  const Json* props = schema && schema->is_object() ? find(*schema, "properties") : nullptr;
  if (props == nullptr || !props->is_object()) return out;
  std::vector<std::string> required;
  if (const Json* r = find(*schema, "required"); r && r->is_array()) {
    for (const Json& name : *r) {
      if (name.is_string()) required.push_back(name.get<std::string>());
    }
  }
  for (const auto& [key, property] : props->items()) {
    const bool is_required = std::find(required.begin(), required.end(), key) != required.end();
    out.params.push_back(ToolParam{key, property.is_object() ? str(property, "type") : "", is_required});
    if (property.is_object() && is_path(key) && mentions_absolute(property)) {
      out.absolute_path = true;
    }
  }
  return out;
}

enum class Side { user, assistant, neutral };

// Who wrote a message or input item; tool results count as the user's side.
Side side_of(wire::Protocol protocol, const Json& item) {
  const std::string role = str(item, "role");
  if (role == "assistant") return Side::assistant;
  if (role == "user" || role == "tool") return Side::user;
  if (protocol != wire::Protocol::openai_responses || !role.empty()) return Side::neutral;
  const std::string type = str(item, "type");
  if (type.ends_with("_output")) return Side::user;
  if (type.ends_with("_call") || type == "reasoning") return Side::assistant;
  return Side::neutral;
}

// Did this assistant message or item call a tool?
bool calls_tool(wire::Protocol protocol, const Json& item) {
  if (protocol == wire::Protocol::openai_responses && str(item, "type").ends_with("_call")) return true;
  if (const Json* calls = find(item, "tool_calls"); calls && calls->is_array() && !calls->empty()) return true;
  const Json* content = find(item, "content");
  if (content == nullptr || !content->is_array()) return false;
  return std::any_of(content->begin(), content->end(),
                     [](const Json& block) { return block.is_object() && str(block, "type") == "tool_use"; });
}

// Counts the assistant turns that called tools: a run of assistant messages or items
// between two user-side ones is one turn. Text-only turns (Qwen Code's "Got it" to its
// set-up message) do not count: in a script only the last turn is text.
void read_items(Conversation& c, const Json& items) {
  bool counted = false;  // the current assistant run has been counted
  for (const Json& item : items) {
    if (!item.is_object()) continue;
    const Side side = side_of(c.protocol, item);
    if (side == Side::user) counted = false;
    if (side == Side::assistant && !counted && calls_tool(c.protocol, item)) {
      ++c.assistant_turns;
      counted = true;
    }
    if (str(item, "role") == "user") {
      std::string text = text_of(find(item, "content"));
      if (!text.empty()) c.user_texts.push_back(std::move(text));
    }
  }
}

// "Primary working directory: /x" (Claude Code), "Working directory: /x" (opencode),
// "<cwd>/x</cwd>" (Codex),
// "working in the directory: /x" (Qwen Code).
std::string find_cwd(std::string_view text) {
  for (std::string_view marker : {"Working directory: ", "working directory: ", "<cwd>", "working in the directory: "}) {
    const auto at = text.find(marker);
    if (at == std::string_view::npos) continue;
    const auto start = at + marker.size();
    const auto end = text.find_first_of("<\n\r ", start);
    std::string_view cwd = text.substr(start, end == std::string_view::npos ? end : end - start);
    while (cwd.size() > 1 && (cwd.back() == '.' || cwd.back() == '`')) cwd.remove_suffix(1);
    if (cwd.starts_with('/')) return std::string(cwd);
  }
  return {};
}

// Every string in the body is searched: system prompt, instructions or a user message.
std::string cwd_of(const Json& j) {
  if (j.is_string()) return find_cwd(j.get_ref<const std::string&>());
  if (!j.is_structured()) return {};
  for (const Json& child : j) {
    if (auto cwd = cwd_of(child); !cwd.empty()) return cwd;
  }
  return {};
}

}  // namespace

Conversation read_conversation(wire::Protocol protocol, std::string_view body) {
  Conversation c;
  c.protocol = protocol;
  c.prompt_tokens = static_cast<std::int64_t>(body.size() / 4);
  const Json json = Json::parse(body, nullptr, false);
  if (!json.is_object()) return c;
  c.valid = true;
  c.model = str(json, "model");
  c.stream = flag(json, "stream");
  for (const char* key : {"max_tokens", "max_completion_tokens", "max_output_tokens"}) {
    if (const Json* v = find(json, key); v && v->is_number_integer()) c.max_output_tokens = v->get<std::int64_t>();
  }
  if (const Json* options = find(json, "stream_options"); options && options->is_object()) {
    c.include_usage = flag(*options, "include_usage");
  }
  if (const Json* tools = find(json, "tools"); tools && tools->is_array()) {
    for (const Json& tool : *tools) {
      if (tool.is_object()) c.tools.push_back(read_tool(tool));
    }
  }
  const Json* items = find(json, protocol == wire::Protocol::openai_responses ? "input" : "messages");
  if (items && items->is_array()) read_items(c, *items);
  if (items && items->is_string()) c.user_texts.push_back(items->get<std::string>());
  for (const auto& [key, value] : json.items()) {
    if (key == "tools") continue;  // tool descriptions mention example directories
    if (c.cwd = cwd_of(value); !c.cwd.empty()) break;
  }
  return c;
}

}  // namespace agentrace::sim
