#pragma once
// The results database: one SQLite file in WAL mode. Every finished attempt is
// written in one transaction, so a crash or kill -9 never loses one. Ids are stable
// text (no auto-increment id leaves a store), so stores of shards merge cleanly.
// Several processes may share one race in one store: each claims attempts with a lease
// (owner + expiry), so no attempt runs twice. Every SQLite error leaves here as
// core::InfraError naming the file.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/records.hpp"

namespace SQLite {
class Database;
class Exception;
}

namespace agentrace::store {

class Store {
 public:
  // Opens or creates the file and brings its schema up to date.
  explicit Store(const std::filesystem::path& file);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::filesystem::path& file() const { return file_; }
  int schema_version();
  static int latest_schema_version();  // what this build migrates to

  void put_race(const RaceRow& race);
  void put_contender(const ContenderRow& contender);
  void put_task(const TaskRow& task, const std::string& race_id);
  // Adds planned attempts; existing ids are left as they are.
  void plan(const std::vector<AttemptRecord>& attempts);
  // Infrastructure errors, and running attempts whose lease expired before now_ms (or
  // that never had one), go back to planned.
  int reset_unfinished(const std::string& race_id, std::int64_t now_ms);
  void mark_running(const std::string& attempt_id, const std::string& started_at, const std::string& host);
  // Makes the first of `ids` that is planned, or running with a lease expired before
  // c.now_ms, running for c.owner until c.lease_until_ms, in one statement: two
  // processes never claim the same attempt. Returns its id, nullopt when none is left.
  std::optional<std::string> claim(const ClaimOrder& order, const Claim& c);
  // Extends the lease of every attempt `owner` is running; returns how many.
  int renew(const std::string& owner, std::int64_t lease_until_ms);
  // Puts the attempts `owner` is running back to planned (it died, or was interrupted).
  int release(const std::string& owner);
  // The owners of the race's running attempts.
  std::vector<std::string> owners(const std::string& race_id);
  // Writes the finished attempt and its test outcomes in one transaction. With an owner,
  // only while that owner holds the attempt: false (nothing written) when its lease
  // was lost to another process.
  bool finish(const AttemptRecord& attempt, const std::vector<TestOutcome>& outcomes, const std::string& owner = {});

  std::vector<RaceRow> races();
  std::optional<RaceRow> race(const std::string& id_or_name);
  std::vector<ContenderRow> contenders(const std::string& race_id);
  std::vector<TaskRow> tasks(const std::string& race_id);
  std::vector<AttemptRecord> attempts(const std::string& race_id);
  // Each attempt's state alone (no diffs or JSON read): id -> state.
  std::map<std::string, AttemptState> attempt_states(const std::string& race_id);
  std::vector<TestOutcome> outcomes(const std::string& race_id);

  // Model calls (from the recording proxy). A re-run attempt first clears its calls.
  void put_call(const CallRow& call);
  void clear_calls(const std::string& attempt_id);
  std::vector<CallRow> calls(const std::string& race_id);
  // The same rows without record_json (the proxy's whole record, chunk samples and all):
  // every column a report reads, at a fraction of the bytes.
  std::vector<CallRow> call_summaries(const std::string& race_id);

  // Blind human review: stores the grade and makes it the attempt's final grade.
  void put_review(const ReviewRow& review);
  std::vector<ReviewRow> reviews(const std::string& race_id);

  // Endpoint speed runs (store/speed.cpp): a run, its cases and samples in one transaction;
  // writing the same run again replaces it (merging stores is idempotent).
  void put_speed_run(const SpeedRunRow& run, const std::vector<SpeedCaseRow>& cases,
                     const std::vector<SpeedSampleRow>& samples);
  std::vector<SpeedRunRow> speed_runs();  // oldest first
  std::vector<SpeedCaseRow> speed_cases(const std::string& run_id);
  std::vector<SpeedSampleRow> speed_samples(const std::string& run_id);

 private:
  // Runs a query under the lock with `args` bound in order; read(statement) makes each
  // row (store/columns.hpp).
  template <class Row, class Read, class... Args>
  std::vector<Row> select(const std::string& sql, Read&& read, const Args&... args);
  std::vector<CallRow> calls(const std::string& race_id, bool with_record);
  void migrate();
  [[noreturn]] void fail(const SQLite::Exception& e) const;
  std::filesystem::path file_;
  std::unique_ptr<SQLite::Database> db_;
  std::mutex mutex_;
};

}  // namespace agentrace::store
