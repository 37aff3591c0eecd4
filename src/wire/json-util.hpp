#pragma once
// Internal: tolerant JSON access for the codecs. Nothing here throws on odd input: a
// missing key, a wrong type or bad JSON reads as "absent".
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace agentrace::wire::detail {

// Ordered, so that re-serialised objects (tool arguments) keep the model's key order.
using Json = nlohmann::ordered_json;

// Nullopt for invalid JSON, invalid UTF-8 or nesting deeper than 256 levels.
std::optional<Json> parse_json(std::string_view text);
// Compact; invalid UTF-8 is replaced rather than thrown on.
std::string dump(const Json& value);

const Json* member(const Json& j, const char* key);          // any type
const Json* object_member(const Json& j, const char* key);   // only if an object
const Json* array_member(const Json& j, const char* key);    // only if an array
std::string string_member(const Json& j, const char* key);   // "" unless a string
std::optional<std::int64_t> int_member(const Json& j, const char* key);
std::optional<double> number_member(const Json& j, const char* key);
bool bool_member(const Json& j, const char* key);            // false unless true

// Text of a message `content`: a string, null, or an array of parts whose `text` members
// are joined with '\n' (parts without text are skipped).
std::string content_text(const Json& content);

}  // namespace agentrace::wire::detail
