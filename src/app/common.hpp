#pragma once
// Pieces shared by the subcommands.
#include <filesystem>
#include <string>

#include "race/race.hpp"

namespace agentrace::app {

// SIGINT/SIGTERM end running attempts cleanly (they are redone on the next run).
void install_signal_handlers();
// The work folder next to the store unless given: <db folder>/agentrace-work.
std::filesystem::path default_work_dir(const std::filesystem::path& db);
// The line that ends a run or worker on stderr: planned, finished before, run now, failures.
void print_race_summary(const std::string& name, const race::RaceRun& run, const store::Store& db);
// Infrastructure errors are not results: says so and sets exit code 3.
void report_infra_errors(const race::RunSummary& s);

}  // namespace agentrace::app
