#include "core/toml-reader.hpp"

#include <fstream>

#include <fmt/format.h>

#include "core/error.hpp"

namespace agentrace::core {

void SpecErrors::add(const toml::source_region& where, const std::string& message) {
  add_at(where.begin.line > 0 ? static_cast<int>(where.begin.line) : 1,
         where.begin.column > 0 ? static_cast<int>(where.begin.column) : 1, message);
}

void SpecErrors::add_at(int line, int column, const std::string& message) {
  raw_.emplace_back(line, column, message);
  items_.push_back(fmt::format("{}:{}:{}: {}", file_.string(), line, column, message));
}

void SpecErrors::throw_if_any() const {
  if (items_.empty()) return;
  if (items_.size() == 1) {
    const auto& [line, col, msg] = raw_.front();
    throw SpecError(file_.string(), line, col, msg);
  }
  std::string all;
  for (const auto& item : items_) all += (all.empty() ? "" : "\n") + item;
  throw UsageError(all);
}

std::optional<toml::table> parse_toml_file(const std::filesystem::path& file, SpecErrors& errors) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    errors.add_at(1, 1, "cannot read this file");
    return std::nullopt;
  }
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_toml(text, errors);
}

std::optional<toml::table> parse_toml(std::string_view text, SpecErrors& errors) {
  try {
    return toml::parse(text, errors.file().string());
  } catch (const toml::parse_error& e) {
    errors.add(e.source(), fmt::format("TOML syntax: {}", e.description()));
    return std::nullopt;
  }
}

TableReader::TableReader(const toml::table& table, std::string name, SpecErrors& errors)
    : table_(table), name_(std::move(name)), errors_(errors) {}

std::string TableReader::field(const std::string& key) const {
  return name_.empty() ? key : name_ + "." + key;
}

const toml::source_region& TableReader::where(const std::string& key) const {
  if (const auto* n = table_.get(key)) return n->source();
  return table_.source();
}

const toml::node* TableReader::raw(const std::string& key) {
  known_.insert(key);
  return table_.get(key);
}

namespace {
const char* type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number";
    case toml::node_type::boolean: return "true/false";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    default: return "a date/time";
  }
}
}  // namespace

std::optional<std::string> TableReader::string(const std::string& key, bool required) {
  const auto* n = raw(key);
  if (n == nullptr) {
    if (required) errors_.add(table_.source(), fmt::format("missing required field '{}' (a string)", field(key)));
    return std::nullopt;
  }
  if (const auto* s = n->as_string()) {
    if (s->get().empty() && required) {
      errors_.add(n->source(), fmt::format("'{}' must not be empty", field(key)));
      return std::nullopt;
    }
    return s->get();
  }
  errors_.add(n->source(), fmt::format("'{}' must be a string, not {}", field(key), type_name(*n)));
  return std::nullopt;
}

std::optional<std::int64_t> TableReader::integer(const std::string& key, bool required,
                                                 std::int64_t min, std::int64_t max) {
  const auto* n = raw(key);
  if (n == nullptr) {
    if (required) errors_.add(table_.source(), fmt::format("missing required field '{}' (an integer)", field(key)));
    return std::nullopt;
  }
  const auto* i = n->as_integer();
  if (i == nullptr) {
    errors_.add(n->source(), fmt::format("'{}' must be an integer, not {}", field(key), type_name(*n)));
    return std::nullopt;
  }
  if (i->get() < min || i->get() > max) {
    errors_.add(n->source(), fmt::format("'{}' = {} is out of range [{}, {}]", field(key), i->get(), min, max));
    return std::nullopt;
  }
  return i->get();
}

std::optional<double> TableReader::number(const std::string& key, bool required, double min, double max) {
  const auto* n = raw(key);
  if (n == nullptr) {
    if (required) errors_.add(table_.source(), fmt::format("missing required field '{}' (a number)", field(key)));
    return std::nullopt;
  }
  std::optional<double> v;
  if (const auto* f = n->as_floating_point()) v = f->get();
  if (const auto* i = n->as_integer()) v = static_cast<double>(i->get());
  if (!v) {
    errors_.add(n->source(), fmt::format("'{}' must be a number, not {}", field(key), type_name(*n)));
    return std::nullopt;
  }
  if (*v < min || *v > max) {
    errors_.add(n->source(), fmt::format("'{}' = {} is out of range [{}, {}]", field(key), *v, min, max));
    return std::nullopt;
  }
  return v;
}

std::optional<bool> TableReader::boolean(const std::string& key) {
  const auto* n = raw(key);
  if (n == nullptr) return std::nullopt;
  if (const auto* b = n->as_boolean()) return b->get();
  errors_.add(n->source(), fmt::format("'{}' must be true or false, not {}", field(key), type_name(*n)));
  return std::nullopt;
}

std::vector<std::string> TableReader::string_list(const std::string& key, bool required) {
  std::vector<std::string> out;
  const auto* n = raw(key);
  if (n == nullptr) {
    if (required) errors_.add(table_.source(), fmt::format("missing required field '{}' (an array of strings)", field(key)));
    return out;
  }
  const auto* arr = n->as_array();
  if (arr == nullptr) {
    errors_.add(n->source(), fmt::format("'{}' must be an array of strings, not {}", field(key), type_name(*n)));
    return out;
  }
  for (const auto& item : *arr) {
    if (const auto* s = item.as_string()) {
      out.push_back(s->get());
    } else {
      errors_.add(item.source(), fmt::format("'{}' must hold only strings, found {}", field(key), type_name(item)));
    }
  }
  return out;
}

const toml::table* TableReader::table(const std::string& key, bool required) {
  const auto* n = raw(key);
  if (n == nullptr) {
    if (required) errors_.add(table_.source(), fmt::format("missing required table [{}]", field(key)));
    return nullptr;
  }
  if (const auto* t = n->as_table()) return t;
  errors_.add(n->source(), fmt::format("'{}' must be a table, not {}", field(key), type_name(*n)));
  return nullptr;
}

std::vector<const toml::table*> TableReader::table_array(const std::string& key, bool required) {
  std::vector<const toml::table*> out;
  const auto* n = raw(key);
  if (n == nullptr) {
    if (required) errors_.add(table_.source(), fmt::format("[[{}]] needs at least one entry", field(key)));
    return out;
  }
  const auto* arr = n->as_array();
  if (arr == nullptr) {
    errors_.add(n->source(), fmt::format("'{}' must be an array of tables ([[{}]]), not {}", field(key), field(key), type_name(*n)));
    return out;
  }
  for (const auto& item : *arr) {
    if (const auto* t = item.as_table()) {
      out.push_back(t);
    } else {
      errors_.add(item.source(), fmt::format("'{}' must hold only tables, found {}", field(key), type_name(item)));
    }
  }
  if (out.empty() && required) errors_.add(n->source(), fmt::format("[[{}]] needs at least one entry", field(key)));
  return out;
}

void TableReader::finish() {
  for (const auto& [key, node] : table_) {
    const std::string k(key.str());
    if (known_.count(k)) continue;
    errors_.add(node.source(), fmt::format("unknown field '{}'{}", field(k),
                                           name_.empty() ? "" : fmt::format(" in [{}]", name_)));
  }
}

}  // namespace agentrace::core
