#pragma once
// The sentences that say how each section's figures were measured, written once: the
// markdown prints them and the site's templates get them as {{text.<name>}}
// (sentence_data). JSON carries the figures, not the sentences.
#include <string_view>

namespace agentrace::report::sentence {

inline constexpr std::string_view kConfidence =
    "95% CI: percentile bootstrap of the mean grade (2000 resamples, fixed seed).";
inline constexpr std::string_view kTimeSplit =
    "Mean seconds per graded attempt from the proxy's call records: model = time inside model calls (network is the "
    "part of it spent on the wire), tools = tool execution between calls, scaffold = the rest; model + tools + "
    "scaffold = wall. Set-up comes before the wall-clock.";
inline constexpr std::string_view kNetworkLowerBound =
    "≥ marks a lower bound: the endpoint reported no server timings for some calls, so for those only connect and TLS "
    "time count as network (the wait for the first byte counts as model).";
inline constexpr std::string_view kEffort =
    "Means per graded attempt. Cost from the contender's per-million-token prices (hosted) or its machine's hourly "
    "cost times wall-clock (local); - = not configured.";
inline constexpr std::string_view kConsistency =
    "Per task with two or more graded repeats: spread = highest minus lowest grade.";
inline constexpr std::string_view kBudget =
    "Share of graded attempts that finished Solid or better within each wall-clock budget.";
inline constexpr std::string_view kComparison =
    "Contenders that ran one model on one endpoint under different scaffolds: the model is held fixed, so the "
    "differences are the scaffolds' (grade, and the time they spend outside the model).";
inline constexpr std::string_view kSpeedRuns =
    "Endpoint speed runs kept in the same store (`agentrace speed`, docs/speed.md): medians over each case's requests.";
inline constexpr std::string_view kTampered =
    "These attempts changed the task's test harness (hidden tests, the files they rely on or protected files; "
    "docs/grading.md): graded Miss, the tests ran on the task's own harness.";
inline constexpr std::string_view kFinalGrade =
    "Final grade = the human review where there is one, else the LLM judge's (which can only lower the automatic "
    "grade), else the automatic grade (docs/grading.md).";
inline constexpr std::string_view kAgreement =
    "Agreement on the attempts both sources graded (automatic = the test tiers after hygiene; judge = the judge's own "
    "answer, before capping; human = the latest review). Cohen's κ is unweighted: only identical grades agree. The "
    "weighted κ uses linear weights: grades one apart count 2/3, two apart 1/3. n/a = undefined (both sources gave "
    "every attempt the same grade).";
inline constexpr std::string_view kWallClock =
    "Wall-clock runs from the agent's start to its exit, without workspace set-up and grading; median [25th – 75th "
    "percentile] over graded attempts.";

}  // namespace agentrace::report::sentence
