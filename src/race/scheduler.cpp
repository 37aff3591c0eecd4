#include "race/scheduler.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <map>
#include <mutex>
#include <set>
#include <stop_token>
#include <thread>

#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/host.hpp"
#include "proc/spawn.hpp"
#include "store/lease.hpp"

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
  int total() const { return total_; }
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

namespace {

// Keeps this process's claims alive while its attempts run (store/lease.hpp).
class LeaseKeeper {
 public:
  LeaseKeeper(store::Store& db, std::string owner)
      : db_(db), owner_(std::move(owner)), thread_([this](std::stop_token stop) { renew_until(stop); }) {}
  std::int64_t lease_until() const { return core::wall_now_ms() + store::kLeaseTime.count(); }

 private:
  void renew_until(std::stop_token stop) {
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait_for(lock, stop, store::kLeaseTime / 4, [] { return false; });
      if (stop.stop_requested()) return;
      try {
        db_.renew(owner_, lease_until());
      } catch (const std::exception& e) {  // the attempt's own write will say it again
        fmt::print(stderr, "warning: cannot renew the leases of {}: {}\n", owner_, e.what());
      }
    }
  }
  store::Store& db_;
  std::string owner_;
  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::jthread thread_;
};

// Attempts claimed by a process of this host that is gone go back to planned at once;
// those of other hosts when their lease expires.
int release_gone_owners(store::Store& db, const std::string& race_id) {
  int released = 0;
  for (const auto& owner : db.owners(race_id)) {
    if (store::owner_gone_here(owner)) released += db.release(owner);
  }
  return released;
}

// When nothing is left to claim but others still run some of `ids`: waits a moment and
// says to try again, after putting back what owners that died on this host held, so a
// worker finishes what a killed one left (others' expire with their lease).
bool others_still_running(store::Store& db, const std::string& race_id, const std::set<std::string>& ids) {
  if (release_gone_owners(db, race_id) > 0) return true;  // to claim at once
  bool running = false;
  for (const auto& [id, state] : db.attempt_states(race_id))
    running = running || (state == store::AttemptState::running && ids.count(id) > 0);
  for (int i = 0; running && i < 10 && !proc::cancel_requested(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  return running;
}

int count_in(const std::map<std::string, store::AttemptState>& state, std::initializer_list<store::AttemptState> of) {
  int n = 0;
  for (const auto& [id, s] : state) n += std::find(of.begin(), of.end(), s) != of.end();
  return n;
}

std::map<std::string, store::AttemptState> states(store::Store& db, const std::string& race_id,
                                                  const std::vector<store::AttemptRecord>& planned) {
  auto all = db.attempt_states(race_id);
  std::map<std::string, store::AttemptState> out;
  for (const auto& a : planned) out[a.id] = all[a.id];
  return out;
}

// A worker's shard of the race; an id the race does not plan means the plan is stale.
std::vector<store::AttemptRecord> only_these(std::vector<store::AttemptRecord> planned,
                                             const std::vector<std::string>& filter) {
  if (filter.empty()) return planned;
  std::map<std::string, store::AttemptRecord> by_id;
  for (auto& a : planned) by_id.emplace(a.id, std::move(a));
  std::vector<store::AttemptRecord> out;
  for (const auto& id : filter) {
    auto it = by_id.find(id);
    if (it == by_id.end())
      throw core::UsageError(fmt::format("attempt {} of the plan is not in this race: the suite or the race file "
                                         "changed since the plan was written; write the plan again", id));
    out.push_back(std::move(it->second));
  }
  return out;
}

// Adds the planned attempts (those stored keep their results), frees what dead processes
// held, and counts what is already finished as skipped. Returns each attempt's state.
std::map<std::string, store::AttemptState> resume(store::Store& db, const std::string& race_id,
                                                  const std::vector<store::AttemptRecord>& planned, RunSummary& summary) {
  db.plan(planned);
  release_gone_owners(db, race_id);
  db.reset_unfinished(race_id, core::wall_now_ms());
  auto before = states(db, race_id, planned);
  summary.planned = static_cast<int>(planned.size());
  summary.skipped = count_in(before, {store::AttemptState::done, store::AttemptState::timed_out});
  return before;
}

// After the workers: interrupted attempts go back to planned, a store error is raised,
// and what other processes finished meanwhile is counted.
void end_race(store::Store& db, const std::string& owner, const std::exception_ptr& store_error,
              const std::string& race_id, const std::vector<store::AttemptRecord>& planned, RunSummary& summary) {
  using S = store::AttemptState;
  try {
    db.release(owner);
  } catch (const std::exception&) {
    if (!store_error) throw;
  }
  if (store_error) std::rethrow_exception(store_error);
  if (proc::cancel_requested()) summary.cancelled = true;
  const auto after = states(db, race_id, planned);
  summary.elsewhere = count_in(after, {S::done, S::timed_out, S::infra_error, S::running}) - summary.skipped -
                      summary.ran;
}

// Writes a finished attempt (unless another process took it over) and counts it.
void keep_outcome(store::Store& db, const AttemptOutcome& out, const std::string& owner, Progress& progress,
                  RunSummary& summary) {
  if (out.cancelled) {
    summary.cancelled = true;  // released at the end: the next run redoes it
    return;
  }
  if (!db.finish(out.record, out.tests, owner)) {
    fmt::print(stderr, "warning: attempt {} was taken over by another process after this one's lease "
               "expired; this run's result of it is not kept\n", out.record.id);
    return;
  }
  progress.finished(out.record);
  ++summary.ran;
  if (out.record.failure != store::FailureClass::none) ++summary.failures;
  if (out.record.state == store::AttemptState::infra_error) {
    ++summary.infra_errors;
    ++summary.infra_classes[store::to_string(out.record.failure)];
  }
}

}  // namespace

RunSummary run_race(const RaceSpec& spec, const suite::Suite& suite, const std::string& race_id,
                    store::Store& db, const AttemptEnv& env) {
  const auto started = core::Clock::now();
  RunSummary summary;
  const auto planned = only_these(plan(spec, race_id, suite), spec.attempt_filter);
  const auto before = resume(db, race_id, planned, summary);
  std::map<std::string, const store::AttemptRecord*> by_id;
  std::vector<std::string> ids;
  for (const auto& a : planned) {
    by_id[a.id] = &a;
    ids.push_back(a.id);
  }
  const store::ClaimOrder order(ids);
  const std::set<std::string> id_set(ids.begin(), ids.end());
  std::map<std::string, const scaffold::ContenderConfig*> contenders;
  for (const auto& c : spec.contenders) contenders[c.name] = &c;

  Progress progress(count_in(before, {store::AttemptState::planned}));
  std::mutex summary_mutex;
  std::exception_ptr store_error;
  const std::string host = core::host_name();
  const std::string job = core::batch_job();
  const std::string owner = store::new_owner();
  LeaseKeeper keeper(db, owner);
  auto run_one = [&](const std::string& id) {
    const auto& a = *by_id.at(id);
    auto out = run_attempt(env, *suite.find(a.task_id), *contenders.at(a.contender), a);
    std::lock_guard g(summary_mutex);
    keep_outcome(db, out, owner, progress, summary);
  };
  auto worker = [&] {
    try {
      for (;;) {
        {
          std::lock_guard g(summary_mutex);
          if (proc::cancel_requested() || summary.cancelled || store_error) return;
        }
        const auto id = db.claim(order, {owner, host, core::wall_now_ms(), keeper.lease_until(), job});
        if (id) {
          run_one(*id);
        } else if (!others_still_running(db, race_id, id_set)) {
          return;
        }
      }
    } catch (const std::exception&) {  // the store failed (e.g. a full disk): stop the race, say why
      std::lock_guard g(summary_mutex);
      if (!store_error) store_error = std::current_exception();
    }
  };
  const int jobs = std::max(1, std::min<int>(spec.jobs, progress.total()));
  std::vector<std::thread> threads;
  for (int j = 0; j < jobs; ++j) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  progress.end();
  end_race(db, owner, store_error, race_id, planned, summary);
  summary.seconds = core::seconds_between(started, core::Clock::now());
  return summary;
}

}  // namespace agentrace::race
