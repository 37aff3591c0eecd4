#include "app/common.hpp"

#include <csignal>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "app/commands.hpp"

#include "proc/spawn.hpp"

namespace agentrace::app {

namespace {
extern "C" void on_signal(int) { proc::request_cancel(); }
}  // namespace

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

std::filesystem::path default_work_dir(const std::filesystem::path& db) {
  return std::filesystem::absolute(db).parent_path() / "agentrace-work";
}

void print_race_summary(const std::string& name, const race::RaceRun& run, const store::Store& db) {
  const auto& s = run.summary;
  fmt::print(stderr, "race {} ({}): {} attempts planned, {} already finished, {} run now in {:.1f} s{}; "
             "{} with a failure class, {} infrastructure errors; store {}\n",
             name, run.race_id, s.planned, s.skipped, s.ran, s.seconds,
             s.elsewhere > 0 ? fmt::format(", {} by other processes", s.elsewhere) : "", s.failures,
             s.infra_errors, db.file().string());
}

void report_infra_errors(const race::RunSummary& s) {
  if (s.infra_errors == 0) return;
  std::vector<std::string> classes;
  for (const auto& [name, n] : s.infra_classes) classes.push_back(fmt::format("{} {}", name, n));
  fmt::print(stderr, "{} attempt(s) ended in infrastructure errors ({}): not graded; run the same command again "
             "to retry them\n", s.infra_errors, fmt::join(classes, ", "));
  exit_code() = 3;
}

}  // namespace agentrace::app
