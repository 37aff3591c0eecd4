#include "race/scheduler.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/host.hpp"
#include "proc/spawn.hpp"

namespace agentrace::race {
namespace {

std::string format_duration(double seconds) {
  const long s = std::lround(seconds);
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, (s / 60) % 60);
}

class Progress {
 public:
  Progress(int total) : total_(total), tty_(isatty(STDERR_FILENO) != 0), start_(core::Clock::now()) {}
  void finished(const store::AttemptRecord& r) {
    std::lock_guard g(mutex_);
    ++done_;
    if (r.failure != store::FailureClass::none) ++failures_;
    if (!tty_) return;
    const double elapsed = core::seconds_between(start_, core::Clock::now());
    const double eta = elapsed / done_ * (total_ - done_);
    fmt::print(stderr, "\r\033[K[{}/{}] {:3.0f}%  failures {}  ETA {}  last: {} / {} -> {}", done_, total_,
               100.0 * done_ / total_, failures_, format_duration(eta), r.task_id, r.contender,
               r.grade ? store::grade_name(*r.grade) : store::to_string(r.failure));
    std::fflush(stderr);
  }
  void end() {
    if (tty_ && done_ > 0) fmt::print(stderr, "\n");
  }

 private:
  int total_;
  bool tty_;
  core::Clock::time_point start_;
  std::mutex mutex_;
  int done_ = 0, failures_ = 0;
};

}  // namespace

RunSummary run_race(const RaceSpec& spec, const suite::Suite& suite, const std::string& race_id,
                    store::Store& db, const AttemptEnv& env) {
  const auto started = core::Clock::now();
  RunSummary summary;
  const auto planned = plan(spec, race_id, suite);
  db.plan(planned);
  db.reset_unfinished(race_id);
  std::map<std::string, store::AttemptState> state;
  for (const auto& a : db.attempts(race_id)) state[a.id] = a.state;

  std::vector<store::AttemptRecord> todo;
  for (const auto& a : planned) {
    if (state[a.id] == store::AttemptState::planned) {
      todo.push_back(a);
    } else {
      ++summary.skipped;
    }
  }
  summary.planned = static_cast<int>(planned.size());
  std::map<std::string, const scaffold::ContenderConfig*> contenders;
  for (const auto& c : spec.contenders) contenders[c.name] = &c;

  Progress progress(static_cast<int>(todo.size()));
  std::atomic<std::size_t> next{0};
  std::mutex summary_mutex;
  const std::string host = core::host_name();
  auto worker = [&] {
    for (;;) {
      if (proc::cancel_requested()) return;
      const std::size_t i = next++;
      if (i >= todo.size()) return;
      const auto& a = todo[i];
      db.mark_running(a.id, core::wall_now_rfc3339(), host);
      auto out = run_attempt(env, *suite.find(a.task_id), *contenders.at(a.contender), a);
      if (out.cancelled) {
        std::lock_guard g(summary_mutex);
        summary.cancelled = true;
        return;  // stays "running" in the store: the next run redoes it
      }
      db.finish(out.record, out.tests);
      progress.finished(out.record);
      std::lock_guard g(summary_mutex);
      ++summary.ran;
      if (out.record.failure != store::FailureClass::none) ++summary.failures;
      if (out.record.state == store::AttemptState::infra_error) ++summary.infra_errors;
    }
  };
  const int jobs = std::max(1, std::min<int>(spec.jobs, static_cast<int>(todo.size())));
  std::vector<std::thread> threads;
  for (int j = 0; j < jobs; ++j) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  progress.end();
  if (proc::cancel_requested()) summary.cancelled = true;
  summary.seconds = core::seconds_between(started, core::Clock::now());
  return summary;
}

}  // namespace agentrace::race
