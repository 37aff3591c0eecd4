#pragma once
// Strict reading of TOML spec files (tasks, race files): typed getters that record
// every problem with file:line:column and the dotted field name, and reject unknown
// keys. Collects all problems of a file, then throws them together.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <toml++/toml.h>

namespace agentrace::core {

class SpecErrors {
 public:
  explicit SpecErrors(std::filesystem::path file) : file_(std::move(file)) {}
  void add(const toml::source_region& where, const std::string& message);
  void add_at(int line, int column, const std::string& message);
  bool empty() const { return items_.empty(); }
  const std::filesystem::path& file() const { return file_; }
  // Throws UsageError with one "file:line:col: message" per line (SpecError when one).
  void throw_if_any() const;

 private:
  std::filesystem::path file_;
  std::vector<std::string> items_;
  std::vector<std::tuple<int, int, std::string>> raw_;
};

// Parses a file; a syntax error is recorded and nullopt returned.
std::optional<toml::table> parse_toml_file(const std::filesystem::path& file, SpecErrors& errors);
// The same for the text of `errors.file()`, already read.
std::optional<toml::table> parse_toml(std::string_view text, SpecErrors& errors);

class TableReader {
 public:
  // `name` is the dotted path shown in messages ("" for the root, "tests", "contenders[2]").
  TableReader(const toml::table& table, std::string name, SpecErrors& errors);
  ~TableReader() = default;

  std::optional<std::string> string(const std::string& key, bool required);
  std::optional<std::int64_t> integer(const std::string& key, bool required, std::int64_t min,
                                      std::int64_t max);
  std::optional<double> number(const std::string& key, bool required, double min, double max);
  std::optional<bool> boolean(const std::string& key);
  std::vector<std::string> string_list(const std::string& key, bool required);
  const toml::table* table(const std::string& key, bool required);
  // An array of tables ([[key]]); each element with its position.
  std::vector<const toml::table*> table_array(const std::string& key, bool required);
  bool has(const std::string& key) const { return table_.contains(key); }
  const toml::node* raw(const std::string& key);  // marks the key as known
  // Reports keys never asked for as unknown.
  void finish();
  std::string field(const std::string& key) const;  // "tests.timeout_seconds"
  const toml::source_region& where(const std::string& key) const;
  const toml::table& node() const { return table_; }
  SpecErrors& errors() { return errors_; }

 private:
  const toml::table& table_;
  std::string name_;
  SpecErrors& errors_;
  std::set<std::string> known_;
};

}  // namespace agentrace::core
