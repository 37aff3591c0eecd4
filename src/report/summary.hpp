#pragma once
// Aggregates computed at report time from the raw attempt records (docs/report.md says
// how each figure is defined).
#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/stats.hpp"
#include "store/records.hpp"

namespace agentrace::report {

// Where the time went: means in seconds over graded attempts that carry a split.
// network lies inside model; model + tool + scaffold = wall.
struct TimeSplitMeans {
  int attempts = 0;
  double model_s = 0, tool_s = 0, scaffold_s = 0, network_s = 0, setup_s = 0, wall_s = 0;
  // Totals over the attempts: calls, and calls whose server reported its timings. When some
  // calls lack them, network is a lower bound (connect + TLS only for those calls).
  int calls = 0, server_timed_calls = 0;
  bool network_lower_bound() const { return server_timed_calls < calls; }
};

enum class HostKind { unknown, local, hosted };
std::string to_string(HostKind k);

// One step of a score-vs-budget curve: by wall-clock t, `share` of the contender's graded
// attempts had finished Solid or better.
struct BudgetStep {
  double t = 0;
  double share = 0;
};

struct ContenderSummary {
  std::string name;
  std::string scaffold;
  std::string model;
  std::string endpoint;      // the endpoint's url, or "sim:<profile>"; "" = none
  std::vector<std::string> labels;
  HostKind kind = HostKind::unknown;
  int attempts = 0;          // finished (done or timed out) + infra errors
  int graded = 0;
  double mean_grade = 0;     // over graded attempts
  double sd_grade = 0;
  core::Interval grade_ci;   // percentile bootstrap 95% of the mean grade
  std::array<int, 4> counts{};  // Miss, Basic, Solid, Complete
  double wall_median = 0, wall_p25 = 0, wall_p75 = 0;  // seconds, graded attempts
  double setup_median = 0;
  std::optional<TimeSplitMeans> split;
  std::optional<double> turns, input_tokens, output_tokens;  // means over attempts that report them
  std::optional<double> cost_per_attempt, cost_total;        // USD over graded attempts
  std::string cost_basis;    // "tokens" (price per Mtok), "hourly" (machine cost x wall) or ""
  int repeated_tasks = 0;    // tasks with two or more graded repeats
  int identical_tasks = 0;   // ... whose repeats all got the same grade
  double mean_spread = 0;    // mean of (max - min grade) over repeated tasks
  int max_spread = 0;
  bool on_front = false;     // on the Pareto front of mean grade vs median wall
  std::vector<BudgetStep> budget_curve;
  std::map<std::string, int> failures;  // class -> count
  int tampered = 0;          // graded attempts that changed the test harness (graded Miss)
  int infra_errors = 0;
  int pending = 0;           // planned or running (not finished yet)
};

// How two grade sources agree on the attempts both graded. Sources: "automatic" (the
// tiers after hygiene), "judge" (the LLM judge's own answer, before capping) and
// "human" (the final review); the confusion matrix has the first source's grade as row.
struct SourceAgreement {
  std::string first, second;
  core::Agreement stats;
};

// Each source's grade of an attempt, when it has one.
std::optional<int> automatic_grade(const store::AttemptRecord& a);
std::optional<int> human_grade(const store::AttemptRecord& a);
// Pairs of sources with at least one attempt graded by both, in the order
// automatic-judge, automatic-human, judge-human.
std::vector<SourceAgreement> source_agreement(const std::vector<store::AttemptRecord>& attempts);

struct TaskRowSummary {
  std::string task_id;
  std::map<std::string, std::vector<int>> grades;  // contender -> grades by repeat (-1 = none)
};

// An attempt that changed the test harness (docs/grading.md, "Tampering").
struct TamperedAttempt {
  std::string task_id, contender;
  int repeat = 0;
  std::string detail;  // which files, and why they are protected
};

struct RaceSummary {
  std::vector<ContenderSummary> contenders;  // in race-file order
  std::vector<TaskRowSummary> tasks;         // by task id
  std::map<std::string, int> failures;       // over the race
  std::vector<TamperedAttempt> tampered;     // in attempt order
  std::vector<std::string> front;            // Pareto front, fastest first
  bool front_leaves_out_references = false;  // agents and references graded: only agents on it
  std::vector<double> budgets;               // wall-clock budgets the tables show
  std::map<std::string, int> final_sources;  // where final grades came from: auto | judge | human
  std::vector<SourceAgreement> agreement;
  int attempts = 0, finished = 0, pending = 0;
  bool simulated = false;                    // set by load_race (is_simulated)
};

RaceSummary summarize(const std::vector<store::ContenderRow>& contenders,
                      const std::vector<store::AttemptRecord>& attempts,
                      const std::vector<store::CallRow>& calls = {});

// Contenders that ran the same model on the same endpoint under different scaffolds: the
// differences between them are the scaffolds' (docs/contenders.md, "cross").
struct ScaffoldControl {
  std::string model, endpoint;
  std::vector<ContenderSummary> contenders;  // race-file order, two or more scaffolds
};
std::vector<ScaffoldControl> scaffold_controls(const RaceSummary& rs);

// Share of the contender's graded attempts Solid or better within each budget.
std::vector<double> budget_shares(const ContenderSummary& s, const std::vector<double>& budgets);

// A race is simulated when an endpoint of a contender or of its judge is simulated, a
// contender is labelled "simulated", or its host context says "simulated": true; every
// page and table showing it says so.
bool is_simulated(const store::RaceRow& race, const std::vector<store::ContenderRow>& contenders);

}  // namespace agentrace::report
