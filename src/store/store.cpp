#include "store/store.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "store/record-columns.hpp"

namespace agentrace::store {
namespace {

// Migrations in order; PRAGMA user_version counts how many have run.
const char* const kMigrations[] = {
    R"sql(
CREATE TABLE races(
  id TEXT PRIMARY KEY, name TEXT NOT NULL, suite_dir TEXT, suite_name TEXT,
  created_at TEXT, sandbox TEXT, spec_json TEXT, host_json TEXT);
CREATE TABLE contenders(
  race_id TEXT NOT NULL, name TEXT NOT NULL, scaffold TEXT, config_json TEXT,
  PRIMARY KEY(race_id, name));
CREATE TABLE tasks(
  hash TEXT PRIMARY KEY, id TEXT NOT NULL, title TEXT, language TEXT, spec_json TEXT);
CREATE TABLE race_tasks(
  race_id TEXT NOT NULL, task_hash TEXT NOT NULL, PRIMARY KEY(race_id, task_hash));
CREATE TABLE attempts(
  id TEXT PRIMARY KEY, race_id TEXT NOT NULL, task_id TEXT NOT NULL, task_hash TEXT NOT NULL,
  contender TEXT NOT NULL, repeat INTEGER NOT NULL, state TEXT NOT NULL,
  failure TEXT NOT NULL DEFAULT 'none', failure_detail TEXT, started_at TEXT, ended_at TEXT,
  runs INTEGER NOT NULL DEFAULT 0, wall_s REAL, setup_s REAL, grade_s REAL, exit_code INTEGER,
  term_signal INTEGER, timed_out INTEGER, user_s REAL, sys_s REAL, max_rss_kb INTEGER,
  stdout_bytes INTEGER, stderr_bytes INTEGER, output_truncated INTEGER, diff TEXT,
  changed_files TEXT, grade INTEGER, grade_source TEXT, grade_detail TEXT, agent_json TEXT,
  host TEXT, updated_at TEXT);
CREATE INDEX attempts_race ON attempts(race_id, state);
CREATE TABLE test_outcomes(
  attempt_id TEXT NOT NULL, tier TEXT NOT NULL, name TEXT NOT NULL, passed INTEGER NOT NULL,
  exit_code INTEGER, timed_out INTEGER, duration_s REAL, output_tail TEXT,
  PRIMARY KEY(attempt_id, tier, name));
)sql",
    // 2: model calls recorded by the proxy; the whole record is kept as JSON (raw
    // samples), the columns are what queries filter and sort on.
    R"sql(
CREATE TABLE calls(
  attempt_id TEXT NOT NULL, sequence INTEGER NOT NULL, protocol TEXT, model TEXT,
  status INTEGER, error TEXT, start_wall_ms INTEGER, start_mono_ns INTEGER,
  first_content_ms REAL, end_ms REAL, input_tokens INTEGER, output_tokens INTEGER,
  record_json TEXT NOT NULL, PRIMARY KEY(attempt_id, sequence));
ALTER TABLE attempts ADD COLUMN time_split_json TEXT;
ALTER TABLE attempts ADD COLUMN calls INTEGER NOT NULL DEFAULT 0;
)sql",
    // 3: grade provenance: the tiers' grade before hygiene, and the hygiene flags.
    R"sql(
ALTER TABLE attempts ADD COLUMN auto_grade INTEGER;
ALTER TABLE attempts ADD COLUMN hygiene_json TEXT;
)sql",
    // 4: blind human review: one row per reviewer and attempt.
    R"sql(
CREATE TABLE reviews(
  attempt_id TEXT NOT NULL, reviewer TEXT NOT NULL, grade INTEGER NOT NULL, note TEXT,
  created_at TEXT NOT NULL, PRIMARY KEY(attempt_id, reviewer));
)sql",
    // 5: the LLM judge's grade and its reasons.
    R"sql(
ALTER TABLE attempts ADD COLUMN judge_grade INTEGER;
ALTER TABLE attempts ADD COLUMN judge_json TEXT;
)sql",
    // 6: endpoint speed runs (`agentrace speed`): the run, its cases with their aggregates,
    // and every request's raw sample. Run ids are random text, so stores merge.
    R"sql(
CREATE TABLE speed_runs(
  id TEXT PRIMARY KEY, started_at TEXT NOT NULL, endpoint TEXT NOT NULL, protocol TEXT, model TEXT,
  simulated INTEGER NOT NULL DEFAULT 0, server TEXT, agentrace TEXT, host_json TEXT, options_json TEXT,
  run_json TEXT);
CREATE TABLE speed_cases(
  run_id TEXT NOT NULL, case_index INTEGER NOT NULL, prompt_tokens INTEGER, output_tokens INTEGER,
  concurrency INTEGER, rate REAL, result_json TEXT NOT NULL, PRIMARY KEY(run_id, case_index));
CREATE TABLE speed_samples(
  run_id TEXT NOT NULL, case_index INTEGER NOT NULL, sequence INTEGER NOT NULL, sample_json TEXT NOT NULL,
  PRIMARY KEY(run_id, case_index, sequence));
)sql",
    // 7: leases: the process running an attempt ("host:pid:random") and until when its
    // claim holds (wall-clock epoch ms), so several processes share one race.
    R"sql(
ALTER TABLE attempts ADD COLUMN owner TEXT;
ALTER TABLE attempts ADD COLUMN lease_until INTEGER;
)sql",
    // 8: the batch job an attempt ran in (Slurm "<array job>_<task>", a Kubernetes index).
    R"sql(
ALTER TABLE attempts ADD COLUMN job TEXT;
)sql",
};

std::optional<int> optional_int(const SQLite::Statement& q, const char* column) {
  const auto c = q.getColumn(column);
  return c.isNull() ? std::nullopt : std::optional(c.getInt());
}

void read_result_columns(const SQLite::Statement& q, AttemptRecord& a) {
  a.exit_code = optional_int(q, "exit_code").value_or(-1);
  a.term_signal = q.getColumn("term_signal").getInt();
  a.timed_out = q.getColumn("timed_out").getInt() != 0;
  a.user_s = q.getColumn("user_s").getDouble();
  a.sys_s = q.getColumn("sys_s").getDouble();
  a.max_rss_kb = q.getColumn("max_rss_kb").getInt64();
  a.stdout_bytes = q.getColumn("stdout_bytes").getInt64();
  a.stderr_bytes = q.getColumn("stderr_bytes").getInt64();
  a.output_truncated = q.getColumn("output_truncated").getInt() != 0;
  a.diff = q.getColumn("diff").getString();
  a.grade = optional_int(q, "grade");
  a.grade_source = q.getColumn("grade_source").getString();
  a.grade_detail = q.getColumn("grade_detail").getString();
  a.calls = q.getColumn("calls").getInt();
  a.auto_grade = optional_int(q, "auto_grade");
  a.judge_grade = optional_int(q, "judge_grade");
}

AttemptRecord read_attempt(const SQLite::Statement& q, const std::filesystem::path& file) {
  AttemptRecord a;
  a.id = q.getColumn("id").getString();
  a.race_id = q.getColumn("race_id").getString();
  a.task_id = q.getColumn("task_id").getString();
  a.task_hash = q.getColumn("task_hash").getString();
  a.contender = q.getColumn("contender").getString();
  a.repeat = q.getColumn("repeat").getInt();
  a.state = parse_state(q.getColumn("state").getString());
  a.failure = parse_failure(q.getColumn("failure").getString());
  a.failure_detail = q.getColumn("failure_detail").getString();
  a.started_at = q.getColumn("started_at").getString();
  a.ended_at = q.getColumn("ended_at").getString();
  a.runs = q.getColumn("runs").getInt();
  a.wall_s = q.getColumn("wall_s").getDouble();
  a.setup_s = q.getColumn("setup_s").getDouble();
  a.grade_s = q.getColumn("grade_s").getDouble();
  a.host = q.getColumn("host").getString();
  a.job = q.getColumn("job").getString();
  read_result_columns(q, a);
  const auto row = "attempt " + a.id;
  read_record(q, "changed_files", row, file, a.changed_files);
  read_record(q, "agent_json", row, file, a.agent);
  read_record(q, "time_split_json", row, file, a.time_split);
  read_record(q, "hygiene_json", row, file, a.hygiene);
  read_record(q, "judge_json", row, file, a.judge);
  return a;
}

const char* const kAttemptColumns =
    "id, race_id, task_id, task_hash, contender, repeat, state, failure, failure_detail, "
    "started_at, ended_at, runs, wall_s, setup_s, grade_s, exit_code, term_signal, timed_out, "
    "user_s, sys_s, max_rss_kb, stdout_bytes, stderr_bytes, output_truncated, diff, "
    "changed_files, grade, grade_source, grade_detail, agent_json, host, time_split_json, calls, auto_grade, hygiene_json, judge_grade, judge_json, job";

}  // namespace

Store::Store(const std::filesystem::path& file) : file_(file) {
  std::error_code ec;
  if (file.has_parent_path() && (std::filesystem::create_directories(file.parent_path(), ec), ec))
    throw core::InfraError(fmt::format("results store {}: cannot create its folder: {}", file.string(), ec.message()));
  try {
    db_ = std::make_unique<SQLite::Database>(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db_->setBusyTimeout(30000);
    db_->exec("PRAGMA journal_mode=WAL");
    db_->exec("PRAGMA synchronous=FULL");
    db_->exec("PRAGMA foreign_keys=ON");
    migrate();
  } catch (const SQLite::Exception& e) {
    fail(e);
  }
}

// What the user can do about the usual causes; SQLite's own words stay in the message.
void Store::fail(const SQLite::Exception& e) const {
  const char* hint = "";
  switch (e.getErrorCode()) {
    case SQLITE_FULL: hint = " (the disk is full: free space and run again; finished attempts are kept)"; break;
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM: hint = " (agentrace needs to write the file and its folder: check permissions and mounts)"; break;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT: hint = " (not an agentrace store: give another --db)"; break;
    case SQLITE_BUSY: hint = " (another process holds it locked for too long)"; break;
    default: break;
  }
  throw core::InfraError(fmt::format("results store {}: {}{}", file_.string(), e.what(), hint));
}

Store::~Store() = default;

int Store::schema_version() try {
  std::lock_guard g(mutex_);
  return db_->execAndGet("PRAGMA user_version").getInt();
} catch (const SQLite::Exception& e) {
  fail(e);
}

int Store::latest_schema_version() { return static_cast<int>(std::size(kMigrations)); }

void Store::migrate() {
  const int have = db_->execAndGet("PRAGMA user_version").getInt();
  const int want = static_cast<int>(std::size(kMigrations));
  if (have > want) {
    throw core::InfraError(fmt::format("results store {} has schema version {}, newer than this agentrace "
                                       "understands ({}); use a newer agentrace",
                                       file_.string(), have, want));
  }
  for (int v = have; v < want; ++v) {
    // IMMEDIATE, and the version read again inside: two processes opening an old store
    // at once migrate it once.
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    if (db_->execAndGet("PRAGMA user_version").getInt() > v) continue;
    db_->exec(kMigrations[v]);
    db_->exec(fmt::format("PRAGMA user_version={}", v + 1));
    tx.commit();
  }
}

void Store::put_race(const RaceRow& r) try {
  std::lock_guard g(mutex_);
  SQLite::Statement q(*db_,
                      "INSERT INTO races(id, name, suite_dir, suite_name, created_at, sandbox, spec_json, host_json) "
                      "VALUES(?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET suite_dir=excluded.suite_dir, "
                      "sandbox=excluded.sandbox, spec_json=excluded.spec_json, host_json=excluded.host_json");
  q.bind(1, r.id);
  q.bind(2, r.name);
  q.bind(3, r.suite_dir);
  q.bind(4, r.suite_name);
  q.bind(5, r.created_at);
  q.bind(6, r.sandbox);
  q.bind(7, record_text(r.spec));
  q.bind(8, record_text(r.host));
  q.exec();
} catch (const SQLite::Exception& e) {
  fail(e);
}

void Store::put_contender(const ContenderRow& c) try {
  std::lock_guard g(mutex_);
  SQLite::Statement q(*db_, "INSERT OR REPLACE INTO contenders(race_id, name, scaffold, config_json) VALUES(?,?,?,?)");
  q.bind(1, c.race_id);
  q.bind(2, c.name);
  q.bind(3, c.scaffold);
  q.bind(4, record_text(c.config));
  q.exec();
} catch (const SQLite::Exception& e) {
  fail(e);
}

void Store::put_task(const TaskRow& t, const std::string& race_id) try {
  std::lock_guard g(mutex_);
  SQLite::Transaction tx(*db_);
  SQLite::Statement q(*db_, "INSERT OR REPLACE INTO tasks(hash, id, title, language, spec_json) VALUES(?,?,?,?,?)");
  q.bind(1, t.hash);
  q.bind(2, t.id);
  q.bind(3, t.title);
  q.bind(4, t.language);
  q.bind(5, record_text(t.card));
  q.exec();
  SQLite::Statement l(*db_, "INSERT OR IGNORE INTO race_tasks(race_id, task_hash) VALUES(?,?)");
  l.bind(1, race_id);
  l.bind(2, t.hash);
  l.exec();
  tx.commit();
} catch (const SQLite::Exception& e) {
  fail(e);
}

void Store::plan(const std::vector<AttemptRecord>& attempts) try {
  std::lock_guard g(mutex_);
  SQLite::Transaction tx(*db_);
  SQLite::Statement q(*db_,
                      "INSERT OR IGNORE INTO attempts(id, race_id, task_id, task_hash, contender, repeat, state) "
                      "VALUES(?,?,?,?,?,?,'planned')");
  for (const auto& a : attempts) {
    q.bind(1, a.id);
    q.bind(2, a.race_id);
    q.bind(3, a.task_id);
    q.bind(4, a.task_hash);
    q.bind(5, a.contender);
    q.bind(6, a.repeat);
    q.exec();
    q.reset();
  }
  tx.commit();
} catch (const SQLite::Exception& e) {
  fail(e);
}

int Store::reset_unfinished(const std::string& race_id, std::int64_t now_ms) try {
  std::lock_guard g(mutex_);
  SQLite::Statement q(*db_,
                      "UPDATE attempts SET state='planned', owner=NULL, lease_until=NULL WHERE race_id=? AND "
                      "(state='infra_error' OR (state='running' AND (lease_until IS NULL OR lease_until<?)))");
  q.bind(1, race_id);
  q.bind(2, now_ms);
  return q.exec();
} catch (const SQLite::Exception& e) {
  fail(e);
}

std::optional<std::string> Store::claim(const ClaimOrder& order, const Claim& c) try {
  std::lock_guard g(mutex_);
  SQLite::Statement q(*db_,
                      "UPDATE attempts SET state='running', owner=?1, lease_until=?2, host=?3, started_at=?4, "
                      "updated_at=?4, runs=runs+1, job=?7 WHERE id=(SELECT a.id FROM json_each(?5) j JOIN attempts a ON "
                      "a.id=j.value WHERE a.state='planned' OR (a.state='running' AND a.lease_until<?6) "
                      "ORDER BY j.key LIMIT 1) RETURNING id");
  q.bind(1, c.owner);
  q.bind(2, c.lease_until_ms);
  q.bind(3, c.host);
  q.bind(4, core::wall_now_rfc3339());
  q.bind(5, order.ids_json);
  q.bind(6, c.now_ms);
  q.bind(7, c.job);
  if (!q.executeStep()) return std::nullopt;
  auto id = q.getColumn(0).getString();
  q.executeStep();  // runs the statement to its end: the claim is written
  return id;
} catch (const SQLite::Exception& e) {
  fail(e);
}

int Store::renew(const std::string& owner, std::int64_t lease_until_ms) try {
  std::lock_guard g(mutex_);
  SQLite::Statement q(*db_, "UPDATE attempts SET lease_until=? WHERE owner=? AND state='running'");
  q.bind(1, lease_until_ms);
  q.bind(2, owner);
  return q.exec();
} catch (const SQLite::Exception& e) {
  fail(e);
}

int Store::release(const std::string& owner) try {
  std::lock_guard g(mutex_);
  SQLite::Statement q(*db_, "UPDATE attempts SET state='planned', owner=NULL, lease_until=NULL "
                            "WHERE owner=? AND state='running'");
  q.bind(1, owner);
  return q.exec();
} catch (const SQLite::Exception& e) {
  fail(e);
}

std::vector<std::string> Store::owners(const std::string& race_id) try {
  std::lock_guard g(mutex_);
  std::vector<std::string> out;
  SQLite::Statement q(*db_, "SELECT DISTINCT owner FROM attempts WHERE race_id=? AND state='running' AND "
                            "owner IS NOT NULL ORDER BY owner");
  q.bind(1, race_id);
  while (q.executeStep()) out.push_back(q.getColumn(0).getString());
  return out;
} catch (const SQLite::Exception& e) {
  fail(e);
}

void Store::mark_running(const std::string& attempt_id, const std::string& started_at, const std::string& host) try {
  std::lock_guard g(mutex_);
  SQLite::Statement q(*db_,
                      "UPDATE attempts SET state='running', started_at=?, host=?, runs=runs+1, updated_at=? WHERE id=?");
  q.bind(1, started_at);
  q.bind(2, host);
  q.bind(3, core::wall_now_rfc3339());
  q.bind(4, attempt_id);
  q.exec();
} catch (const SQLite::Exception& e) {
  fail(e);
}

namespace {

void bind_optional(SQLite::Statement& q, int i, const std::optional<int>& v) {
  if (v) {
    q.bind(i, *v);
  } else {
    q.bind(i);
  }
}

const char* const kFinishAttempt =
    "UPDATE attempts SET state=?, failure=?, failure_detail=?, ended_at=?, wall_s=?, setup_s=?, "
    "grade_s=?, exit_code=?, term_signal=?, timed_out=?, user_s=?, sys_s=?, max_rss_kb=?, "
    "stdout_bytes=?, stderr_bytes=?, output_truncated=?, diff=?, changed_files=?, grade=?, "
    "grade_source=?, grade_detail=?, agent_json=?, time_split_json=?, calls=?, auto_grade=?, hygiene_json=?, "
    "judge_grade=?, judge_json=?, updated_at=?, lease_until=NULL "
    "WHERE id=? AND (?='' OR (owner=? AND state='running'))";

void bind_finish(SQLite::Statement& q, const AttemptRecord& a, const std::string& owner) {
  int i = 1;
  q.bind(i++, to_string(a.state));
  q.bind(i++, to_string(a.failure));
  q.bind(i++, a.failure_detail);
  q.bind(i++, a.ended_at);
  q.bind(i++, a.wall_s);
  q.bind(i++, a.setup_s);
  q.bind(i++, a.grade_s);
  q.bind(i++, a.exit_code);
  q.bind(i++, a.term_signal);
  q.bind(i++, a.timed_out ? 1 : 0);
  q.bind(i++, a.user_s);
  q.bind(i++, a.sys_s);
  q.bind(i++, static_cast<std::int64_t>(a.max_rss_kb));
  q.bind(i++, a.stdout_bytes);
  q.bind(i++, a.stderr_bytes);
  q.bind(i++, a.output_truncated ? 1 : 0);
  q.bind(i++, a.diff);
  q.bind(i++, record_text(a.changed_files));
  bind_optional(q, i++, a.grade);
  q.bind(i++, a.grade_source);
  q.bind(i++, a.grade_detail);
  q.bind(i++, record_text(a.agent));
  q.bind(i++, record_text(a.time_split));
  q.bind(i++, a.calls);
  bind_optional(q, i++, a.auto_grade);
  q.bind(i++, record_text(a.hygiene));
  bind_optional(q, i++, a.judge_grade);
  q.bind(i++, record_text(a.judge));
  q.bind(i++, core::wall_now_rfc3339());
  q.bind(i++, a.id);
  q.bind(i++, owner);
  q.bind(i++, owner);
}

void put_outcomes(SQLite::Database& db, const std::string& attempt_id, const std::vector<TestOutcome>& outcomes) {
  SQLite::Statement del(db, "DELETE FROM test_outcomes WHERE attempt_id=?");
  del.bind(1, attempt_id);
  del.exec();
  SQLite::Statement ins(db,
                        "INSERT INTO test_outcomes(attempt_id, tier, name, passed, exit_code, timed_out, duration_s, "
                        "output_tail) VALUES(?,?,?,?,?,?,?,?)");
  for (const auto& o : outcomes) {
    ins.bind(1, attempt_id);
    ins.bind(2, o.tier);
    ins.bind(3, o.name);
    ins.bind(4, o.passed ? 1 : 0);
    ins.bind(5, o.exit_code);
    ins.bind(6, o.timed_out ? 1 : 0);
    ins.bind(7, o.duration_s);
    ins.bind(8, o.output_tail);
    ins.exec();
    ins.reset();
  }
}

}  // namespace

bool Store::finish(const AttemptRecord& a, const std::vector<TestOutcome>& outcomes, const std::string& owner) try {
  std::lock_guard g(mutex_);
  SQLite::Transaction tx(*db_);
  SQLite::Statement q(*db_, kFinishAttempt);
  bind_finish(q, a, owner);
  if (q.exec() != 1) {
    SQLite::Statement known(*db_, "SELECT 1 FROM attempts WHERE id=?");
    known.bind(1, a.id);
    if (!known.executeStep()) throw core::InfraError(fmt::format("store: attempt {} was never planned", a.id));
    return false;  // another process took it over after this owner's lease expired
  }
  put_outcomes(*db_, a.id, outcomes);
  tx.commit();
  return true;
} catch (const SQLite::Exception& e) {
  fail(e);
}

void Store::put_call(const CallRow& c) try {
  std::lock_guard g(mutex_);
  SQLite::Statement q(*db_,
                      "INSERT OR REPLACE INTO calls(attempt_id, sequence, protocol, model, status, error, start_wall_ms, "
                      "start_mono_ns, first_content_ms, end_ms, input_tokens, output_tokens, record_json) "
                      "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)");
  int i = 1;
  q.bind(i++, c.attempt_id);
  q.bind(i++, c.sequence);
  q.bind(i++, c.protocol);
  q.bind(i++, c.model);
  q.bind(i++, c.status);
  q.bind(i++, c.error);
  q.bind(i++, c.start_wall_ms);
  q.bind(i++, c.start_mono_ns);
  q.bind(i++, c.first_content_ms);
  q.bind(i++, c.end_ms);
  if (c.input_tokens) q.bind(i++, *c.input_tokens); else q.bind(i++);
  if (c.output_tokens) q.bind(i++, *c.output_tokens); else q.bind(i++);
  q.bind(i++, c.record_json);
  q.exec();
} catch (const SQLite::Exception& e) {
  fail(e);
}

void Store::clear_calls(const std::string& attempt_id) try {
  std::lock_guard g(mutex_);
  SQLite::Statement q(*db_, "DELETE FROM calls WHERE attempt_id=?");
  q.bind(1, attempt_id);
  q.exec();
} catch (const SQLite::Exception& e) {
  fail(e);
}

namespace {

// The calls of a race by attempt, then sequence; record_json only when asked for.
std::vector<CallRow> query_calls(SQLite::Database& db, const std::string& race_id, bool with_record) {
  std::vector<CallRow> out;
  SQLite::Statement q(db, fmt::format("SELECT c.attempt_id, c.sequence, c.protocol, c.model, c.status, c.error, "
                                      "c.start_wall_ms, c.start_mono_ns, c.first_content_ms, c.end_ms, c.input_tokens, "
                                      "c.output_tokens{} FROM calls c JOIN attempts a ON a.id=c.attempt_id "
                                      "WHERE a.race_id=? ORDER BY c.attempt_id, c.sequence",
                                      with_record ? ", c.record_json" : ""));
  q.bind(1, race_id);
  while (q.executeStep()) {
    CallRow c;
    int i = 0;
    c.attempt_id = q.getColumn(i++).getString();
    c.sequence = q.getColumn(i++).getInt64();
    c.protocol = q.getColumn(i++).getString();
    c.model = q.getColumn(i++).getString();
    c.status = q.getColumn(i++).getInt();
    c.error = q.getColumn(i++).getString();
    c.start_wall_ms = q.getColumn(i++).getInt64();
    c.start_mono_ns = q.getColumn(i++).getInt64();
    c.first_content_ms = q.getColumn(i++).getDouble();
    c.end_ms = q.getColumn(i++).getDouble();
    if (!q.getColumn(i).isNull()) c.input_tokens = q.getColumn(i).getInt64();
    ++i;
    if (!q.getColumn(i).isNull()) c.output_tokens = q.getColumn(i).getInt64();
    ++i;
    if (with_record) c.record_json = q.getColumn(i++).getString();
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

std::vector<CallRow> Store::calls(const std::string& race_id) try {
  std::lock_guard g(mutex_);
  return query_calls(*db_, race_id, true);
} catch (const SQLite::Exception& e) {
  fail(e);
}

std::vector<CallRow> Store::call_summaries(const std::string& race_id) try {
  std::lock_guard g(mutex_);
  return query_calls(*db_, race_id, false);
} catch (const SQLite::Exception& e) {
  fail(e);
}

void Store::put_review(const ReviewRow& r) try {
  std::lock_guard g(mutex_);
  SQLite::Transaction tx(*db_);
  SQLite::Statement q(*db_, "INSERT OR REPLACE INTO reviews(attempt_id, reviewer, grade, note, created_at) "
                            "VALUES(?,?,?,?,?)");
  q.bind(1, r.attempt_id);
  q.bind(2, r.reviewer);
  q.bind(3, r.grade);
  q.bind(4, r.note);
  q.bind(5, r.created_at);
  q.exec();
  // A human grade is final: it overrides the judge's and the automatic one, which
  // stay in auto_grade (and the judge's columns) for agreement statistics.
  SQLite::Statement u(*db_, "UPDATE attempts SET grade=?, grade_source='human', updated_at=? WHERE id=?");
  u.bind(1, r.grade);
  u.bind(2, r.created_at);
  u.bind(3, r.attempt_id);
  if (u.exec() != 1) throw core::InfraError(fmt::format("review: no attempt {}", r.attempt_id));
  tx.commit();
} catch (const SQLite::Exception& e) {
  fail(e);
}

std::vector<ReviewRow> Store::reviews(const std::string& race_id) try {
  std::lock_guard g(mutex_);
  std::vector<ReviewRow> out;
  SQLite::Statement q(*db_, "SELECT r.attempt_id, r.reviewer, r.grade, r.note, r.created_at FROM reviews r "
                            "JOIN attempts a ON a.id=r.attempt_id WHERE a.race_id=? ORDER BY r.created_at");
  q.bind(1, race_id);
  while (q.executeStep()) {
    out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getInt(),
                   q.getColumn(3).getString(), q.getColumn(4).getString()});
  }
  return out;
} catch (const SQLite::Exception& e) {
  fail(e);
}

std::vector<RaceRow> Store::races() try {
  std::lock_guard g(mutex_);
  std::vector<RaceRow> out;
  SQLite::Statement q(*db_, "SELECT id, name, suite_dir, suite_name, created_at, sandbox, spec_json, host_json "
                            "FROM races ORDER BY created_at");
  while (q.executeStep()) {
    RaceRow r;
    r.id = q.getColumn("id").getString();
    r.name = q.getColumn("name").getString();
    r.suite_dir = q.getColumn("suite_dir").getString();
    r.suite_name = q.getColumn("suite_name").getString();
    r.created_at = q.getColumn("created_at").getString();
    r.sandbox = q.getColumn("sandbox").getString();
    read_record(q, "spec_json", "race " + r.id, file_, r.spec);
    read_record(q, "host_json", "race " + r.id, file_, r.host);
    out.push_back(std::move(r));
  }
  return out;
} catch (const SQLite::Exception& e) {
  fail(e);
}

std::optional<RaceRow> Store::race(const std::string& id_or_name) {
  for (auto& r : races()) {
    if (r.id == id_or_name || r.name == id_or_name) return r;
  }
  return std::nullopt;
}

std::vector<ContenderRow> Store::contenders(const std::string& race_id) try {
  std::lock_guard g(mutex_);
  std::vector<ContenderRow> out;
  SQLite::Statement q(*db_, "SELECT race_id, name, scaffold, config_json FROM contenders WHERE race_id=? ORDER BY rowid");
  q.bind(1, race_id);
  while (q.executeStep()) {
    ContenderRow c{q.getColumn("race_id").getString(), q.getColumn("name").getString(),
                   q.getColumn("scaffold").getString(), {}};
    read_record(q, "config_json", fmt::format("contender {} of race {}", c.name, c.race_id), file_, c.config);
    out.push_back(std::move(c));
  }
  return out;
} catch (const SQLite::Exception& e) {
  fail(e);
}

std::vector<TaskRow> Store::tasks(const std::string& race_id) try {
  std::lock_guard g(mutex_);
  std::vector<TaskRow> out;
  SQLite::Statement q(*db_, "SELECT t.hash AS hash, t.id AS id, t.title AS title, t.language AS language, "
                            "t.spec_json AS spec_json FROM tasks t "
                            "JOIN race_tasks r ON r.task_hash=t.hash WHERE r.race_id=? ORDER BY t.id");
  q.bind(1, race_id);
  while (q.executeStep()) {
    TaskRow t{q.getColumn("hash").getString(), q.getColumn("id").getString(), q.getColumn("title").getString(),
              q.getColumn("language").getString(), {}};
    read_record(q, "spec_json", "task " + t.hash, file_, t.card);
    out.push_back(std::move(t));
  }
  return out;
} catch (const SQLite::Exception& e) {
  fail(e);
}

std::vector<AttemptRecord> Store::attempts(const std::string& race_id) try {
  std::lock_guard g(mutex_);
  std::vector<AttemptRecord> out;
  SQLite::Statement q(*db_, fmt::format("SELECT {} FROM attempts WHERE race_id=? ORDER BY task_id, contender, repeat",
                                        kAttemptColumns));
  q.bind(1, race_id);
  while (q.executeStep()) out.push_back(read_attempt(q, file_));
  return out;
} catch (const SQLite::Exception& e) {
  fail(e);
}

std::map<std::string, AttemptState> Store::attempt_states(const std::string& race_id) try {
  std::lock_guard g(mutex_);
  std::map<std::string, AttemptState> out;
  SQLite::Statement q(*db_, "SELECT id, state FROM attempts WHERE race_id=?");
  q.bind(1, race_id);
  while (q.executeStep()) out[q.getColumn(0).getString()] = parse_state(q.getColumn(1).getString());
  return out;
} catch (const SQLite::Exception& e) {
  fail(e);
}

std::vector<TestOutcome> Store::outcomes(const std::string& race_id) try {
  std::lock_guard g(mutex_);
  std::vector<TestOutcome> out;
  SQLite::Statement q(*db_, "SELECT o.attempt_id AS attempt_id, o.tier AS tier, o.name AS name, o.passed AS passed, "
                            "o.exit_code AS exit_code, o.timed_out AS timed_out, o.duration_s AS duration_s, "
                            "o.output_tail AS output_tail FROM test_outcomes o JOIN attempts a ON a.id=o.attempt_id "
                            "WHERE a.race_id=? ORDER BY o.attempt_id, o.rowid");
  q.bind(1, race_id);
  while (q.executeStep()) {
    out.push_back({q.getColumn("attempt_id").getString(), q.getColumn("tier").getString(),
                   q.getColumn("name").getString(), q.getColumn("passed").getInt() != 0,
                   q.getColumn("exit_code").getInt(), q.getColumn("timed_out").getInt() != 0,
                   q.getColumn("duration_s").getDouble(), q.getColumn("output_tail").getString()});
  }
  return out;
} catch (const SQLite::Exception& e) {
  fail(e);
}

}  // namespace agentrace::store
