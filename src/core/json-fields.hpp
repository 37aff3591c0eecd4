#pragma once
// Helpers for the one convention of JSON records (record/, proxy::CallRecord): ADL
// `to_json`/`from_json` next to each type. Reading tolerates what older files lack and
// nothing else: a missing key (or null) keeps the field's default; a key of the wrong
// type throws, and the store turns that into an error naming the row and column.
#include <optional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace agentrace::core {

// Throws std::invalid_argument unless `j` is an object; `what` names the record.
inline void expect_object(const nlohmann::json& j, const char* what) {
  if (!j.is_object()) throw std::invalid_argument(std::string(what) + ": expected an object, got " + j.type_name());
}

template <class T>
void read(const nlohmann::json& j, const char* key, T& out) {
  if (const auto it = j.find(key); it != j.end() && !it->is_null()) it->get_to(out);
}

template <class T>
void read(const nlohmann::json& j, const char* key, std::optional<T>& out) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    out.reset();
  } else {
    out = it->template get<T>();
  }
}

// Optional fields are left out when empty.
template <class T>
void write(nlohmann::json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}

}  // namespace agentrace::core
