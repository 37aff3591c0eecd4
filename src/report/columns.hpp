#pragma once
// The field lists of the report: each section of the contender figures is one list of
// columns, and the same lists drive markdown, CSV, JSON and the site's tables.
#include <string>
#include <vector>

#include "render/table.hpp"
#include "report/race-data.hpp"
#include "report/summary.hpp"
#include "store/records.hpp"

namespace agentrace::report {

using ContenderColumns = std::vector<render::Column<ContenderSummary>>;

// Each section starts with the contender's name; CSV and JSON join them (name once).
struct ContenderSections {
  ContenderColumns leaderboard;  // grade, CI, counts, wall, attempts, failures
  ContenderColumns time_split;   // mean seconds per part
  ContenderColumns effort;       // turns, tokens, cost
  ContenderColumns consistency;  // agreement of repeats
  ContenderColumns budget;       // Solid or better within each budget
};
ContenderSections contender_sections(const RaceSummary& rs);
ContenderColumns joined(const ContenderSections& s);

std::vector<render::Column<store::AttemptRecord>> attempt_columns();

// Attempts that changed the task's test harness: task, contender, repeat, what.
std::vector<render::Column<TamperedAttempt>> tampered_columns();
// The same model under different scaffolds: one row per contender of a group.
ContenderColumns comparison_columns();
// An endpoint speed run: one row per case.
std::vector<render::Column<SpeedCase>> speed_case_columns();

// One row per pair of grade sources: n, exact match, Cohen's kappa, linear weighted
// kappa, and (JSON only) the confusion matrix. An undefined kappa is null / "n/a".
std::vector<render::Column<SourceAgreement>> agreement_columns();
// The pair's confusion matrix as a table: one row per grade of the first source, one
// column per grade of the second.
struct CellTable {
  std::vector<std::string> headers;
  std::vector<std::vector<std::string>> cells;
};
CellTable confusion_table(const SourceAgreement& a);
std::string kappa_text(const std::optional<double>& k);  // "0.71" or "n/a"
// "auto 10, judge 4": where the final grades came from.
std::string final_sources_text(const RaceSummary& rs);

// Which optional sections hold any figure.
bool any_split(const RaceSummary& rs);
bool any_effort(const RaceSummary& rs);
bool any_repeats(const RaceSummary& rs);
// Whether some contender's network figure is a lower bound (sentence::kNetworkLowerBound says so).
bool any_network_lower_bound(const RaceSummary& rs);

std::string seconds_text(double s);  // "250 ms", "12.50 s", "340 s"

}  // namespace agentrace::report
