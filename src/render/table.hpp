#pragma once
// One field list per result type drives every printer (llama-bench's habit): a column
// has a name (CSV/JSON key), a header (markdown) and a value. Shared by the race report
// and the speed printers; a printer that shows only what varies drops the constant
// columns itself (speed/printers.cpp).
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace agentrace::render {

template <typename Row>
struct Column {
  std::string name;                                 // machine name: CSV header, JSON key
  std::string header;                               // human header for markdown
  std::function<nlohmann::json(const Row&)> value;  // typed value for JSON/CSV
  std::function<std::string(const Row&)> text;      // formatted cell for markdown
  bool right_align = true;
};

// Markdown pipe table, every column given (for_markdown picks those with a header).
template <typename Row>
std::string markdown_table(const std::vector<Column<Row>>& cols, const std::vector<Row>& rows);

template <typename Row>
std::string csv_table(const std::vector<Column<Row>>& cols, const std::vector<Row>& rows);

template <typename Row>
nlohmann::json json_rows(const std::vector<Column<Row>>& cols, const std::vector<Row>& rows);

// Markdown shows only columns that have a header.
template <typename Row>
std::vector<Column<Row>> for_markdown(std::vector<Column<Row>> cols) {
  std::erase_if(cols, [](const auto& c) { return !c.text || c.header.empty(); });
  return cols;
}

// Shared pieces used by the templates.
std::string markdown_from_cells(const std::vector<std::string>& headers, const std::vector<bool>& right,
                                const std::vector<std::vector<std::string>>& cells);
std::string csv_escape(const std::string& s);
std::string json_to_csv_cell(const nlohmann::json& v);

template <typename Row>
std::string markdown_table(const std::vector<Column<Row>>& cols, const std::vector<Row>& rows) {
  std::vector<std::string> headers;
  std::vector<bool> right;
  for (const auto& c : cols) {
    headers.push_back(c.header);
    right.push_back(c.right_align);
  }
  std::vector<std::vector<std::string>> cells;
  for (const auto& r : rows) {
    std::vector<std::string> line;
    for (const auto& c : cols) line.push_back(c.text(r));
    cells.push_back(std::move(line));
  }
  return markdown_from_cells(headers, right, cells);
}

template <typename Row>
std::string csv_table(const std::vector<Column<Row>>& cols, const std::vector<Row>& rows) {
  std::string out;
  for (std::size_t i = 0; i < cols.size(); ++i) out += (i ? "," : "") + csv_escape(cols[i].name);
  out += "\n";
  for (const auto& r : rows) {
    for (std::size_t i = 0; i < cols.size(); ++i) out += (i ? "," : "") + json_to_csv_cell(cols[i].value(r));
    out += "\n";
  }
  return out;
}

template <typename Row>
nlohmann::json json_rows(const std::vector<Column<Row>>& cols, const std::vector<Row>& rows) {
  auto arr = nlohmann::json::array();
  for (const auto& r : rows) {
    nlohmann::json o = nlohmann::json::object();
    for (const auto& c : cols) o[c.name] = c.value(r);
    arr.push_back(std::move(o));
  }
  return arr;
}

}  // namespace agentrace::render
