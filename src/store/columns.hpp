#pragma once
// Inside the store: typed fields in and out of their columns. A record is kept as JSON
// text in one column; a row type lists its columns once, in
//   template <class V> void columns(V& v, Row& r) { v("column", r.member[, Written::...]); }
// which ColumnList (the SELECT or INSERT list), ColumnReader (a row by name) and
// ColumnBinder (the values, in list order) visit.
#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "store/store.hpp"

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

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

// A plain column holds a number or text; anything else is a record kept as JSON text.
template <class T>
constexpr bool is_plain() {
  if constexpr (is_optional<T>::value) {
    return std::is_arithmetic_v<typename T::value_type>;
  } else {
    return std::is_arithmetic_v<T> || std::is_enum_v<T> || std::is_same_v<T, std::string>;
  }
}

inline void from_text(const std::string& s, AttemptState& out) { out = parse_state(s); }
inline void from_text(const std::string& s, FailureClass& out) { out = parse_failure(s); }

template <class T>
void bind_value(SQLite::Statement& q, int i, const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    q.bind(i, v ? 1 : 0);
  } else if constexpr (std::is_enum_v<T>) {
    q.bind(i, to_string(v));
  } else if constexpr (std::is_integral_v<T>) {
    q.bind(i, static_cast<std::int64_t>(v));
  } else if constexpr (std::is_floating_point_v<T> || std::is_same_v<T, std::string>) {
    q.bind(i, v);
  } else if constexpr (is_plain<T>()) {  // an optional number: NULL when empty
    if (v) {
      bind_value(q, i, *v);
    } else {
      q.bind(i);
    }
  } else {
    q.bind(i, record_text(v));
  }
}

// NULL keeps the field's default (text reads as "").
template <class T>
void read_value(const SQLite::Statement& q, const char* column, const std::string& row, const std::filesystem::path& file,
                T& out) {
  const auto c = q.getColumn(column);
  if constexpr (!is_plain<T>()) {
    read_record(q, column, row, file, out);
  } else if constexpr (std::is_same_v<T, std::string>) {
    out = c.getString();
  } else if (c.isNull()) {
    return;
  } else if constexpr (std::is_same_v<T, bool>) {
    out = c.getInt() != 0;
  } else if constexpr (std::is_enum_v<T>) {
    from_text(c.getString(), out);
  } else if constexpr (std::is_integral_v<T>) {
    out = static_cast<T>(c.getInt64());
  } else if constexpr (std::is_floating_point_v<T>) {
    out = c.getDouble();
  } else {
    out = static_cast<typename T::value_type>(c.getInt64());
  }
}

// Which part of a row a column is: an attempt's identity (the planner writes it), its run
// (the claim), its result (the finish); a call's raw record (read only when asked for).
// A visitor takes the columns of the parts it is given, or all.
enum class Part { identity, run, result, raw };

class PartFilter {
 public:
  explicit PartFilter(std::vector<Part> parts) : parts_(std::move(parts)) {}
  bool takes(Part p) const { return parts_.empty() || std::find(parts_.begin(), parts_.end(), p) != parts_.end(); }

 private:
  std::vector<Part> parts_;
};

class ColumnList {
 public:
  explicit ColumnList(std::vector<Part> parts = {}) : filter_(std::move(parts)) {}
  template <class T>
  void operator()(const char* column, T&, Part part = Part::result) {
    if (filter_.takes(part)) names_.push_back(column);
  }
  // "a, b, c", or "a=?, b=?, c=?" with `suffix` "=?".
  std::string joined(const char* suffix = "") const {
    std::string out;
    for (const auto& n : names_) out += (out.empty() ? "" : ", ") + n + suffix;
    return out;
  }
  // "t.a AS a, t.b AS b": for a join, where a bare name could become ambiguous.
  std::string qualified(const std::string& table) const {
    std::string out;
    for (const auto& n : names_) out += (out.empty() ? "" : ", ") + table + "." + n + " AS " + n;
    return out;
  }
  // "?,?,?": one parameter a column.
  std::string placeholders() const {
    std::string out;
    for (std::size_t i = 0; i < names_.size(); ++i) out += i ? ",?" : "?";
    return out;
  }

 private:
  PartFilter filter_;
  std::vector<std::string> names_;
};

// Reads the columns of a row by name; errors name the row ("attempt a1").
class ColumnReader {
 public:
  ColumnReader(const SQLite::Statement& q, const std::filesystem::path& file, std::string row, std::vector<Part> parts = {})
      : q_(q), file_(file), row_(std::move(row)), filter_(std::move(parts)) {}
  template <class T>
  void operator()(const char* column, T& v, Part part = Part::result) {
    if (filter_.takes(part)) read_value(q_, column, row_, file_, v);
  }

 private:
  const SQLite::Statement& q_;
  const std::filesystem::path& file_;
  std::string row_;
  PartFilter filter_;
};

// Binds the columns, in list order, from parameter 1 on; next() is the one after them.
class ColumnBinder {
 public:
  explicit ColumnBinder(SQLite::Statement& q, std::vector<Part> parts = {}) : q_(q), filter_(std::move(parts)) {}
  template <class T>
  void operator()(const char*, const T& v, Part part = Part::result) {
    if (filter_.takes(part)) bind_value(q_, next_++, v);
  }
  int next() const { return next_; }

 private:
  SQLite::Statement& q_;
  PartFilter filter_;
  int next_ = 1;
};

// Visits a row with a visitor that only reads its fields (a list or a binder).
template <class V, class Row>
void visit_columns(V& v, const Row& row) {
  columns(v, const_cast<Row&>(row));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
}

template <class Row>
ColumnList column_list(std::vector<Part> parts = {}) {
  ColumnList list(std::move(parts));
  visit_columns(list, Row{});
  return list;
}

// `head` + "(a, b) VALUES(?,?)", e.g. head "INSERT OR REPLACE INTO contenders".
template <class Row>
std::string insert_sql(const std::string& head) {
  const auto list = column_list<Row>();
  return head + "(" + list.joined() + ") VALUES(" + list.placeholders() + ")";
}

// Binds the row's columns from parameter 1; returns the next parameter.
template <class Row>
int bind_row(SQLite::Statement& q, const Row& row, std::vector<Part> parts = {}) {
  ColumnBinder b(q, std::move(parts));
  visit_columns(b, row);
  return b.next();
}

// Reads the row's columns into `out`; `row` names it in errors.
template <class Row>
void read_columns(const SQLite::Statement& q, const std::filesystem::path& file, std::string row, Row& out,
                  std::vector<Part> parts = {}) {
  ColumnReader r(q, file, std::move(row), std::move(parts));
  columns(r, out);
}

template <class Row>
Row read_row(const SQLite::Statement& q, const std::filesystem::path& file, std::string row, std::vector<Part> parts = {}) {
  Row out;
  read_columns(q, file, std::move(row), out, std::move(parts));
  return out;
}

template <class Row, class Read, class... Args>
std::vector<Row> Store::select(const std::string& sql, Read&& read, const Args&... args) try {
  std::lock_guard g(mutex_);
  SQLite::Statement q(*db_, sql);
  int i = 1;
  (q.bind(i++, args), ...);
  std::vector<Row> out;
  while (q.executeStep()) out.push_back(read(q));
  return out;
} catch (const SQLite::Exception& e) {
  fail(e);
}

}  // namespace agentrace::store
