#pragma once
// Pieces the site's pages share: tables from the report's field lists, grade boxes,
// diffs as HTML, the caveats a race's own records imply.
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "render/table.hpp"
#include "report/race-data.hpp"
#include "report/templates.hpp"

namespace agentrace::report {

struct HtmlCell {
  std::string text, sort, href;
  bool right = false;
};
struct HtmlTable {
  std::string id;
  bool sortable = false;
  std::vector<HtmlCell> headers;
  std::vector<std::vector<HtmlCell>> rows;
};
std::string render_table(Templates& t, const HtmlTable& table);
std::string sort_key(const nlohmann::json& v);

// A table from a field list (columns with a markdown header); the first column links
// to `link(row)` when given.
template <typename Row, typename Link>
HtmlTable html_table(const std::vector<render::Column<Row>>& cols, const std::vector<Row>& rows, Link link) {
  HtmlTable t;
  for (const auto& c : cols) t.headers.push_back({c.header, "", "", c.right_align});
  for (const auto& r : rows) {
    std::vector<HtmlCell> line;
    for (const auto& c : cols) line.push_back({c.text(r), sort_key(c.value(r)), line.empty() ? link(r) : "", c.right_align});
    t.rows.push_back(std::move(line));
  }
  return t;
}

// A table of a field list's markdown columns, without links.
template <typename Row>
std::string plain_table(Templates& t, const std::vector<render::Column<Row>>& cols, const std::vector<Row>& rows) {
  return render_table(t, html_table(render::for_markdown(cols), rows, [](const Row&) { return std::string(); }));
}

// Attempts by task, contender and repeat, for grade boxes and links.
using AttemptIndex = std::map<std::string, std::map<std::string, std::vector<const store::AttemptRecord*>>>;
AttemptIndex index_attempts(const std::vector<store::AttemptRecord>& attempts);
// One box per repeat linking to its attempt page, as HTML.
std::string grade_boxes(const std::vector<const store::AttemptRecord*>& repeats);

// The sentences of report/sentences.hpp the templates use, by name: {{text.<name>}}.
Data sentence_data();

std::string attempt_file(const std::string& attempt_id);  // "attempts/<safe id>.html"
std::string diff_html(const std::string& diff);          // escaped, lines classed, capped
std::vector<std::string> caveats(const RaceData& d);
std::string join(const std::vector<std::string>& parts, const std::string& sep);

}  // namespace agentrace::report
