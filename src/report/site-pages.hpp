#pragma once
// The pages of the static site; each returns the page's body, render_page wraps it in
// the layout (navigation, simulated banner, context footer).
#include <filesystem>
#include <string>

#include "report/race-data.hpp"
#include "report/site-parts.hpp"
#include "report/templates.hpp"

namespace agentrace::report {

struct Page {
  std::string name;   // index | tasks | contenders | about | attempt
  std::string title;
  std::string root;   // "" or "../": the way back to the site's top
  std::string body;
};
std::string render_page(Templates& t, const RaceData& d, const Page& page);

std::string tasks_body(Templates& t, const RaceData& d, const AttemptIndex& index);
std::string contenders_body(Templates& t, const RaceData& d);
std::string about_body(Templates& t, const RaceData& d);
// attempts/<id>.html for every attempt; returns how many were written.
int write_attempt_pages(Templates& t, const RaceData& d, const std::filesystem::path& dir);

}  // namespace agentrace::report
