#include "wire/json-util.hpp"

#include <cmath>

#include "core/json-depth.hpp"

namespace agentrace::wire::detail {

// dump() recurses; refusing deep documents up front keeps hostile bodies off the stack.
constexpr int max_depth = 256;

std::optional<Json> parse_json(std::string_view text) {
  if (!core::json_nesting_within(text, max_depth)) return std::nullopt;
  Json j = Json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

std::string dump(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

const Json* member(const Json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

const Json* object_member(const Json& j, const char* key) {
  const Json* m = member(j, key);
  return m && m->is_object() ? m : nullptr;
}

const Json* array_member(const Json& j, const char* key) {
  const Json* m = member(j, key);
  return m && m->is_array() ? m : nullptr;
}

std::string string_member(const Json& j, const char* key) {
  const Json* m = member(j, key);
  return m && m->is_string() ? m->get<std::string>() : std::string();
}

std::optional<std::int64_t> int_member(const Json& j, const char* key) {
  const Json* m = member(j, key);
  if (!m) return std::nullopt;
  if (m->is_number_unsigned()) {
    auto u = m->get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  if (m->is_number_integer()) return m->get<std::int64_t>();
  if (m->is_number_float()) {
    // Converting an out-of-range double is undefined behaviour, so check first.
    const double d = m->get<double>();
    if (!std::isfinite(d) || std::fabs(d) >= 9.2e18) return std::nullopt;
    return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

std::optional<double> number_member(const Json& j, const char* key) {
  const Json* m = member(j, key);
  if (!m || !m->is_number()) return std::nullopt;
  return m->get<double>();
}

bool bool_member(const Json& j, const char* key) {
  const Json* m = member(j, key);
  return m && m->is_boolean() && m->get<bool>();
}

std::string content_text(const Json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::string text;
  if (!content.is_array()) return text;
  bool first = true;
  for (const Json& part : content) {
    const Json* t = part.is_string() ? &part : member(part, "text");
    if (!t || !t->is_string()) continue;
    if (!first) text.push_back('\n');
    text += t->get<std::string>();
    first = false;
  }
  return text;
}

}  // namespace agentrace::wire::detail
