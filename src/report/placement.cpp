#include "report/placement.hpp"

#include <algorithm>
#include <ctime>
#include <limits>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "render/table.hpp"

namespace agentrace::report {
namespace {

// "2026-12-06T05:30:00.123Z" (core::wall_now_rfc3339) -> epoch seconds.
std::optional<double> epoch_seconds(const std::string& t) {
  std::tm tm{};
  int ms = 0;
  if (std::sscanf(t.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &ms) != 7)
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<double>(timegm(&tm)) + ms / 1000.0;
}

}  // namespace

PlacementSummary placement(const std::vector<store::AttemptRecord>& attempts) {
  PlacementSummary p;
  std::map<std::pair<std::string, std::string>, Placement> by_place;
  double first = std::numeric_limits<double>::max(), last = 0;
  bool any_job = false;
  for (const auto& a : attempts) {
    const auto start = epoch_seconds(a.started_at), end = epoch_seconds(a.ended_at);
    if (a.state != store::AttemptState::done && a.state != store::AttemptState::timed_out) continue;
    if (!start || !end) continue;
    auto& place = by_place[{a.host, a.job}];
    place.host = a.host;
    place.job = a.job;
    ++place.attempts;
    place.attempt_s += *end - *start;
    p.attempt_s += *end - *start;
    first = std::min(first, *start);
    last = std::max(last, *end);
    any_job = any_job || !a.job.empty();
  }
  std::map<std::string, int> hosts;
  for (const auto& [key, place] : by_place) ++hosts[key.first];
  if (!any_job && hosts.size() < 2) return {};
  for (auto& [key, place] : by_place) p.places.push_back(place);
  p.wall_s = last - first;
  return p;
}

std::string placement_section(const PlacementSummary& p) {
  if (p.places.empty()) return "";
  std::vector<std::vector<std::string>> cells;
  for (const auto& pl : p.places)
    cells.push_back({pl.host, pl.job.empty() ? "-" : pl.job, std::to_string(pl.attempts), fmt::format("{:.1f} s", pl.attempt_s)});
  return fmt::format("## Where attempts ran\n\n{}\nWall-clock {:.1f} s (first start to last end of the finished "
                     "attempts) for {:.1f} s of attempt time (start to end, grading included): speed-up {:.2f}x.\n\n",
                     render::markdown_from_cells({"host", "job", "attempts", "attempt time"}, {false, false, true, true}, cells),
                     p.wall_s, p.attempt_s, p.speedup());
}

nlohmann::json placement_json(const PlacementSummary& p) {
  if (p.places.empty()) return nullptr;
  nlohmann::json places = nlohmann::json::array();
  for (const auto& pl : p.places)
    places.push_back({{"host", pl.host}, {"job", pl.job}, {"attempts", pl.attempts}, {"attempt_s", pl.attempt_s}});
  return {{"places", places}, {"wall_s", p.wall_s}, {"attempt_s", p.attempt_s}, {"speedup", p.speedup()}};
}

}  // namespace agentrace::report
