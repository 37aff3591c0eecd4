#include "cluster/merge.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.hpp"
#include "store/store.hpp"

namespace agentrace::cluster {
namespace fs = std::filesystem;
namespace {

// Tables whose rows are the same wherever they were written: the first copy stays.
const char* const kFirstCopyTables[] = {"races", "contenders", "tasks", "race_tasks", "reviews",
                                        "speed_runs", "speed_cases", "speed_samples"};
// Rows that belong to one attempt and move with the copy of it that is kept.
const char* const kAttemptTables[] = {"test_outcomes", "calls"};

std::vector<std::string> columns(SQLite::Database& db, const std::string& schema, const std::string& table) {
  std::vector<std::string> out;
  SQLite::Statement q(db, fmt::format("SELECT name FROM pragma_table_info('{}', '{}')", table, schema));
  while (q.executeStep()) out.push_back(q.getColumn(0).getString());
  return out;
}

// The columns of `table` in both stores, quoted, in the target's order.
std::string shared_columns(SQLite::Database& db, const std::string& table) {
  const auto theirs = columns(db, "src", table);
  std::vector<std::string> both;
  for (const auto& c : columns(db, "main", table)) {
    if (std::find(theirs.begin(), theirs.end(), c) != theirs.end()) both.push_back('"' + c + '"');
  }
  return fmt::format("{}", fmt::join(both, ", "));
}

void copy_rows(SQLite::Database& db, const std::string& table, const std::string& where) {
  const auto cols = shared_columns(db, table);
  db.exec(fmt::format("INSERT OR IGNORE INTO main.{0}({1}) SELECT {1} FROM src.{0} {2}", table, cols, where));
}

int rank(const std::string& state) {
  if (state == "done" || state == "timed_out") return 3;
  if (state == "infra_error") return 2;
  return state == "running" ? 1 : 0;
}

// Chooses, for each attempt both stores hold, the copy to keep; marks the source's
// copies to take in temp.take. Says each conflict between started copies.
MergeCounts choose_copies(SQLite::Database& db, const fs::path& target, const fs::path& source) {
  MergeCounts n;
  SQLite::Statement q(db, "SELECT s.id, s.state, m.state, coalesce(s.ended_at,''), coalesce(m.ended_at,''), "
                          "coalesce(s.host,''), coalesce(m.host,'') FROM src.attempts s JOIN main.attempts m ON m.id=s.id "
                          "WHERE s.state<>'planned' AND NOT (s.state=m.state AND coalesce(s.ended_at,'')=coalesce(m.ended_at,''))");
  SQLite::Statement take(db, "INSERT INTO temp.take(id) VALUES(?)");
  while (q.executeStep()) {
    const std::string id = q.getColumn(0), theirs = q.getColumn(1), ours = q.getColumn(2);
    const bool started_both = ours != "planned";
    if (rank(theirs) > rank(ours)) {
      take.bind(1, id);
      take.exec();
      take.reset();
      ++n.replaced;
    }
    if (!started_both) continue;
    ++n.conflicts;
    const bool kept_theirs = rank(theirs) > rank(ours);
    fmt::print(stderr, "merge: attempt {} has two copies: {} ({} on {}) in {} and {} ({} on {}) in {}; kept the {} one\n",
               id, ours, q.getColumn(4).getString(), q.getColumn(6).getString(), target.string(), theirs,
               q.getColumn(3).getString(), q.getColumn(5).getString(), source.string(),
               kept_theirs ? "second" : "first");
  }
  return n;
}

MergeCounts merge_attached(SQLite::Database& db, const fs::path& target, const fs::path& source) {
  SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
  for (const char* table : kFirstCopyTables) {
    if (std::string(table) != "reviews") copy_rows(db, table, "");
  }
  db.exec("CREATE TEMP TABLE IF NOT EXISTS take(id TEXT PRIMARY KEY)");
  db.exec("DELETE FROM temp.take");
  auto n = choose_copies(db, target, source);
  n.added = db.exec("INSERT INTO temp.take(id) SELECT id FROM src.attempts WHERE id NOT IN (SELECT id FROM main.attempts)");
  for (const char* table : kAttemptTables)
    db.exec(fmt::format("DELETE FROM main.{} WHERE attempt_id IN (SELECT id FROM temp.take)", table));
  db.exec("DELETE FROM main.attempts WHERE id IN (SELECT id FROM temp.take)");
  copy_rows(db, "attempts", "WHERE id IN (SELECT id FROM temp.take)");
  for (const char* table : kAttemptTables) copy_rows(db, table, "WHERE attempt_id IN (SELECT id FROM temp.take)");
  copy_rows(db, "reviews", "");  // after the attempts: a review names one
  tx.commit();
  return n;
}

}  // namespace

MergeCounts merge_store(const fs::path& target, const fs::path& source) {
  if (!fs::is_regular_file(source)) throw core::UsageError(fmt::format("merge: {} is not a file", source.string()));
  if (fs::exists(target) && fs::equivalent(target, source))
    throw core::UsageError(fmt::format("merge: {} is the target store itself (--db)", source.string()));
  { store::Store check(source); }  // a store of a known schema, brought up to date
  { store::Store create(target); }
  try {
    SQLite::Database db(target.string(), SQLite::OPEN_READWRITE);
    db.setBusyTimeout(30000);
    SQLite::Statement attach(db, "ATTACH DATABASE ? AS src");
    attach.bind(1, source.string());
    attach.exec();
    const auto n = merge_attached(db, target, source);
    db.exec("DETACH DATABASE src");
    return n;
  } catch (const SQLite::Exception& e) {
    throw core::InfraError(fmt::format("merge {} into {}: {}", source.string(), target.string(), e.what()));
  }
}

}  // namespace agentrace::cluster
