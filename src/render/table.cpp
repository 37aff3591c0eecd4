#include "render/table.hpp"

#include <algorithm>

namespace agentrace::render {

namespace {
// Display width of UTF-8 text: one column per code point (continuation bytes skipped).
std::size_t text_width(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}
}  // namespace

std::string markdown_from_cells(const std::vector<std::string>& headers, const std::vector<bool>& right,
                                const std::vector<std::vector<std::string>>& cells) {
  std::vector<std::size_t> width(headers.size(), 3);
  for (std::size_t i = 0; i < headers.size(); ++i) width[i] = std::max(width[i], text_width(headers[i]));
  for (const auto& row : cells)
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], text_width(row[i]));
  auto pad = [&](const std::string& s, std::size_t i) {
    const std::string fill(width[i] - std::min(width[i], text_width(s)), ' ');
    return right[i] ? fill + s : s + fill;
  };
  std::string out = "|";
  for (std::size_t i = 0; i < headers.size(); ++i) out += " " + pad(headers[i], i) + " |";
  out += "\n|";
  for (std::size_t i = 0; i < headers.size(); ++i)
    out += right[i] ? " " + std::string(width[i] - 1, '-') + ": |" : " " + std::string(width[i], '-') + " |";
  out += "\n";
  for (const auto& row : cells) {
    out += "|";
    for (std::size_t i = 0; i < row.size(); ++i) out += " " + pad(row[i], i) + " |";
    out += "\n";
  }
  return out;
}

std::string csv_escape(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string json_to_csv_cell(const nlohmann::json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return csv_escape(v.get<std::string>());
  if (v.is_number_float()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", v.get<double>());
    return buf;
  }
  return csv_escape(v.dump());
}

}  // namespace agentrace::render
