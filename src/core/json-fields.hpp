#pragma once
// The one convention of JSON records (record/, core/host, proxy::CallRecord): ADL
// `to_json`/`from_json` next to each type, both driven by ONE field list,
//   template <class V> void fields(V& v, T& t) { v("key", t.member); ... }
// visited by a FieldWriter (to_json: `write_fields`) and a FieldReader (from_json:
// `read_fields`). Reading tolerates what older files lack and nothing else: a missing key
// (or null) keeps the field's default; a key of the wrong type throws, naming the record
// and the key, and the store turns that into an error naming the row and column.
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>

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

// How a field list writes an empty value and reads a missing one. An optional is left
// out when empty unless `null_empty`; other values are written unless `omit_empty` and
// empty (an empty string or list, false). A missing key keeps the default unless `required`.
enum class Rule { always, omit_empty, null_empty, required };

template <class T>
bool is_empty(const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    return !v;
  } else if constexpr (requires { v.empty(); }) {
    return v.empty();
  } else {
    return false;
  }
}

// A field list calls, besides v(key, field[, rule]): v.computed(key, value) for what is
// written for readers of the JSON and never read back, and v.nested(key, list) for an
// object inside the record (`list(w)` visits its fields; an empty one is left out).
class FieldWriter {
 public:
  static constexpr bool writing = true;
  explicit FieldWriter(nlohmann::json& j) : j_(j) {}
  template <class T>
  void operator()(const char* key, const T& v, Rule rule = Rule::always) {
    if (rule != Rule::omit_empty || !is_empty(v)) j_[key] = v;
  }
  template <class T>
  void operator()(const char* key, const std::optional<T>& v, Rule rule = Rule::omit_empty) {
    if (v) {
      j_[key] = *v;
    } else if (rule == Rule::null_empty) {
      j_[key] = nullptr;
    }
  }
  template <class T>
  void computed(const char* key, const T& v) {
    j_[key] = v;
  }
  template <class List>
  void nested(const char* key, List&& list) {
    nlohmann::json inner = nlohmann::json::object();
    FieldWriter w(inner);
    list(w);
    if (!inner.empty()) j_[key] = std::move(inner);
  }

 private:
  nlohmann::json& j_;
};

class FieldReader {
 public:
  static constexpr bool writing = false;
  FieldReader(const nlohmann::json& j, const char* what) : j_(j), what_(what) {}
  template <class T>
  void operator()(const char* key, T& v, Rule rule = Rule::always) {
    if (rule == Rule::required && (!j_.contains(key) || j_[key].is_null()))
      throw std::invalid_argument(std::string(what_) + ": " + key + " is missing");
    try {
      read(j_, key, v);
    } catch (const nlohmann::json::exception& e) {
      throw std::invalid_argument(std::string(what_) + ": " + key + ": " + e.what());
    }
  }
  template <class T>
  void computed(const char*, const T&) {}
  template <class List>
  void nested(const char* key, List&& list) {
    const auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return;
    expect_object(*it, key);
    FieldReader r(*it, key);
    list(r);
  }

 private:
  const nlohmann::json& j_;
  const char* what_;
};

// `fields(v, t)` is found by ADL in T's namespace. The writer only reads the fields: one
// non-const field list serves both directions.
template <class T>
void write_fields(nlohmann::json& j, const T& t) {
  j = nlohmann::json::object();
  FieldWriter w(j);
  fields(w, const_cast<T&>(t));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
}

template <class T>
void read_fields(const nlohmann::json& j, T& t, const char* what) {
  expect_object(j, what);
  t = {};
  FieldReader r(j, what);
  fields(r, t);
}

}  // namespace agentrace::core
