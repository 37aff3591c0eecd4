#pragma once
// Inside the store: typed records in and out of their JSON columns.
#include <SQLiteCpp/SQLiteCpp.h>

#include <filesystem>
#include <optional>
#include <string>
#include <type_traits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace agentrace::store {

// Typed records are kept as JSON text; an agent's bytes that are not UTF-8 are replaced.
// A JSON document kept whole is written in its own key order.
template <class T>
std::string record_text(const T& v) {
  constexpr auto replace = nlohmann::json::error_handler_t::replace;
  if constexpr (std::is_same_v<T, nlohmann::ordered_json> || std::is_same_v<T, nlohmann::json>) {
    return v.dump(-1, ' ', false, replace);
  } else {
    return nlohmann::json(v).dump(-1, ' ', false, replace);
  }
}

template <class T>
std::string record_text(const std::optional<T>& v) {
  return v ? record_text(*v) : std::string();
}

// The record in `column` of the current row. An empty column (a row from before the
// record was kept, or not yet finished) leaves `out` as it is; text that does not read as
// the record is an error naming the store, the row and the column.
template <class T>
bool read_record(const SQLite::Statement& q, const char* column, const std::string& row, const std::filesystem::path& file,
                 T& out) {
  const auto text = q.getColumn(column).getString();
  if (text.empty()) return false;
  try {
    if constexpr (std::is_same_v<T, nlohmann::ordered_json> || std::is_same_v<T, nlohmann::json>) {
      out = T::parse(text);
    } else {
      nlohmann::json::parse(text).get_to(out);
    }
  } catch (const std::exception& e) {
    throw core::InfraError(fmt::format("results store {}: {} of {} cannot be read: {}", file.string(), column, row,
                                       e.what()));
  }
  return true;
}

template <class T>
void read_record(const SQLite::Statement& q, const char* column, const std::string& row, const std::filesystem::path& file,
                 std::optional<T>& out) {
  T v;
  if (read_record(q, column, row, file, v)) out = std::move(v);
}

}  // namespace agentrace::store
