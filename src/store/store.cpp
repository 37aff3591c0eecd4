#include "store/store.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "store/columns.hpp"

namespace agentrace::store {

// An attempt's columns, each once: its identity (planned), its run (claimed), its result
// (`Store::finish`'s UPDATE binds exactly those).
template <class V>
void columns(V& v, AttemptRecord& a) {
  v("id", a.id, Part::identity);
  v("race_id", a.race_id, Part::identity);
  v("task_id", a.task_id, Part::identity);
  v("task_hash", a.task_hash, Part::identity);
  v("contender", a.contender, Part::identity);
  v("repeat", a.repeat, Part::identity);
  v("started_at", a.started_at, Part::run);
  v("runs", a.runs, Part::run);
  v("host", a.host, Part::run);
  v("job", a.job, Part::run);
  v("state", a.state);
  v("failure", a.failure);
  v("failure_detail", a.failure_detail);
  v("ended_at", a.ended_at);
  v("wall_s", a.wall_s);
  v("setup_s", a.setup_s);
  v("grade_s", a.grade_s);
  v("exit_code", a.exit_code);
  v("term_signal", a.term_signal);
  v("timed_out", a.timed_out);
  v("user_s", a.user_s);
  v("sys_s", a.sys_s);
  v("max_rss_kb", a.max_rss_kb);
  v("stdout_bytes", a.stdout_bytes);
  v("stderr_bytes", a.stderr_bytes);
  v("output_truncated", a.output_truncated);
  v("diff", a.diff);
  v("changed_files", a.changed_files);
  v("grade", a.grade);
  v("grade_source", a.grade_source);
  v("grade_detail", a.grade_detail);
  v("agent_json", a.agent);
  v("time_split_json", a.time_split);
  v("calls", a.calls);
  v("auto_grade", a.auto_grade);
  v("hygiene_json", a.hygiene);
  v("judge_grade", a.judge_grade);
  v("judge_json", a.judge);
}

// A model call's columns; the proxy's whole record last, read only when asked for.
template <class V>
void columns(V& v, CallRow& c) {
  v("attempt_id", c.attempt_id);
  v("sequence", c.sequence);
  v("protocol", c.protocol);
  v("model", c.model);
  v("status", c.status);
  v("error", c.error);
  v("start_wall_ms", c.start_wall_ms);
  v("start_mono_ns", c.start_mono_ns);
  v("first_content_ms", c.first_content_ms);
  v("end_ms", c.end_ms);
  v("input_tokens", c.input_tokens);
  v("output_tokens", c.output_tokens);
  v("record_json", c.record_json, Part::raw);
}

template <class V>
void columns(V& v, RaceRow& r) {
  v("id", r.id);
  v("name", r.name);
  v("suite_dir", r.suite_dir);
  v("suite_name", r.suite_name);
  v("created_at", r.created_at);
  v("sandbox", r.sandbox);
  v("spec_json", r.spec);
  v("host_json", r.host);
}

template <class V>
void columns(V& v, ContenderRow& c) {
  v("race_id", c.race_id);
  v("name", c.name);
  v("scaffold", c.scaffold);
  v("config_json", c.config);
}

template <class V>
void columns(V& v, TaskRow& t) {
  v("hash", t.hash);
  v("id", t.id);
  v("title", t.title);
  v("language", t.language);
  v("spec_json", t.card);
}

template <class V>
void columns(V& v, TestOutcome& o) {
  v("attempt_id", o.attempt_id);
  v("tier", o.tier);
  v("name", o.name);
  v("passed", o.passed);
  v("exit_code", o.exit_code);
  v("timed_out", o.timed_out);
  v("duration_s", o.duration_s);
  v("output_tail", o.output_tail);
}

template <class V>
void columns(V& v, ReviewRow& r) {
  v("attempt_id", r.attempt_id);
  v("reviewer", r.reviewer);
  v("grade", r.grade);
  v("note", r.note);
  v("created_at", r.created_at);
}

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
  SQLite::Statement q(*db_, insert_sql<RaceRow>("INSERT INTO races") +
                                " ON CONFLICT(id) DO UPDATE SET suite_dir=excluded.suite_dir, sandbox=excluded.sandbox, "
                                "spec_json=excluded.spec_json, host_json=excluded.host_json");
  bind_row(q, r);
  q.exec();
} catch (const SQLite::Exception& e) {
  fail(e);
}

void Store::put_contender(const ContenderRow& c) try {
  std::lock_guard g(mutex_);
  SQLite::Statement q(*db_, insert_sql<ContenderRow>("INSERT OR REPLACE INTO contenders"));
  bind_row(q, c);
  q.exec();
} catch (const SQLite::Exception& e) {
  fail(e);
}

void Store::put_task(const TaskRow& t, const std::string& race_id) try {
  std::lock_guard g(mutex_);
  SQLite::Transaction tx(*db_);
  SQLite::Statement q(*db_, insert_sql<TaskRow>("INSERT OR REPLACE INTO tasks"));
  bind_row(q, t);
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
  const auto identity = column_list<AttemptRecord>({Part::identity});
  std::lock_guard g(mutex_);
  SQLite::Transaction tx(*db_);
  SQLite::Statement q(*db_, "INSERT OR IGNORE INTO attempts(" + identity.joined() + ", state) VALUES(" +
                                identity.placeholders() + ",'planned')");
  for (const auto& a : attempts) {
    bind_row(q, a, {Part::identity});
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

std::vector<std::string> Store::owners(const std::string& race_id) {
  return select<std::string>("SELECT DISTINCT owner FROM attempts WHERE race_id=? AND state='running' AND "
                             "owner IS NOT NULL ORDER BY owner",
                             [](const SQLite::Statement& q) { return q.getColumn(0).getString(); }, race_id);
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

// Writes the attempt's result while `owner` holds it ("" = whoever does).
const std::string& finish_sql() {
  static const std::string sql = "UPDATE attempts SET " + column_list<AttemptRecord>({Part::result}).joined("=?") +
                                 ", updated_at=?, lease_until=NULL WHERE id=? AND (?='' OR (owner=? AND state='running'))";
  return sql;
}

void bind_finish(SQLite::Statement& q, const AttemptRecord& a, const std::string& owner) {
  int i = bind_row(q, a, {Part::result});
  for (const std::string& v : {core::wall_now_rfc3339(), a.id, owner, owner}) q.bind(i++, v);
}

void put_outcomes(SQLite::Database& db, const std::string& attempt_id, const std::vector<TestOutcome>& outcomes) {
  SQLite::Statement del(db, "DELETE FROM test_outcomes WHERE attempt_id=?");
  del.bind(1, attempt_id);
  del.exec();
  SQLite::Statement ins(db, insert_sql<TestOutcome>("INSERT INTO test_outcomes"));
  for (auto o : outcomes) {
    o.attempt_id = attempt_id;
    bind_row(ins, o);
    ins.exec();
    ins.reset();
  }
}

}  // namespace

bool Store::finish(const AttemptRecord& a, const std::vector<TestOutcome>& outcomes, const std::string& owner) try {
  std::lock_guard g(mutex_);
  SQLite::Transaction tx(*db_);
  SQLite::Statement q(*db_, finish_sql());
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
  static const std::string sql = insert_sql<CallRow>("INSERT OR REPLACE INTO calls");
  std::lock_guard g(mutex_);
  SQLite::Statement q(*db_, sql);
  bind_row(q, c);
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

// The calls of a race by attempt, then sequence; the raw record only when asked for.
std::vector<CallRow> Store::calls(const std::string& race_id, bool with_record) {
  std::vector<Part> parts = {Part::result};
  if (with_record) parts.push_back(Part::raw);
  return select<CallRow>(
      "SELECT " + column_list<CallRow>(parts).qualified("c") +
          " FROM calls c JOIN attempts a ON a.id=c.attempt_id WHERE a.race_id=? ORDER BY c.attempt_id, c.sequence",
      [&](const SQLite::Statement& q) {
        return read_row<CallRow>(q, file_, "call of attempt " + q.getColumn("attempt_id").getString(), parts);
      },
      race_id);
}

std::vector<CallRow> Store::calls(const std::string& race_id) { return calls(race_id, true); }

std::vector<CallRow> Store::call_summaries(const std::string& race_id) { return calls(race_id, false); }

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

std::vector<ReviewRow> Store::reviews(const std::string& race_id) {
  return select<ReviewRow>("SELECT " + column_list<ReviewRow>().qualified("r") +
                               " FROM reviews r JOIN attempts a ON a.id=r.attempt_id WHERE a.race_id=? "
                               "ORDER BY r.created_at",
                           [&](const SQLite::Statement& q) { return read_row<ReviewRow>(q, file_, "review"); }, race_id);
}

std::vector<RaceRow> Store::races() {
  return select<RaceRow>("SELECT " + column_list<RaceRow>().joined() + " FROM races ORDER BY created_at",
                         [&](const SQLite::Statement& q) {
                           return read_row<RaceRow>(q, file_, "race " + q.getColumn("id").getString());
                         });
}

std::optional<RaceRow> Store::race(const std::string& id_or_name) {
  for (auto& r : races()) {
    if (r.id == id_or_name || r.name == id_or_name) return r;
  }
  return std::nullopt;
}

std::vector<ContenderRow> Store::contenders(const std::string& race_id) {
  return select<ContenderRow>(
      "SELECT " + column_list<ContenderRow>().joined() + " FROM contenders WHERE race_id=? ORDER BY rowid",
      [&](const SQLite::Statement& q) {
        return read_row<ContenderRow>(q, file_, fmt::format("contender {} of race {}", q.getColumn("name").getString(),
                                                            q.getColumn("race_id").getString()));
      },
      race_id);
}

std::vector<TaskRow> Store::tasks(const std::string& race_id) {
  return select<TaskRow>("SELECT " + column_list<TaskRow>().qualified("t") +
                             " FROM tasks t JOIN race_tasks r ON r.task_hash=t.hash WHERE r.race_id=? ORDER BY t.id",
                         [&](const SQLite::Statement& q) {
                           return read_row<TaskRow>(q, file_, "task " + q.getColumn("hash").getString());
                         },
                         race_id);
}

std::vector<AttemptRecord> Store::attempts(const std::string& race_id) {
  static const std::string sql = "SELECT " + column_list<AttemptRecord>().joined() +
                                 " FROM attempts WHERE race_id=? ORDER BY task_id, contender, repeat";
  return select<AttemptRecord>(
      sql,
      [&](const SQLite::Statement& q) {
        return read_row<AttemptRecord>(q, file_, "attempt " + q.getColumn("id").getString());
      },
      race_id);
}

std::map<std::string, AttemptState> Store::attempt_states(const std::string& race_id) {
  const auto rows = select<std::pair<std::string, AttemptState>>(
      "SELECT id, state FROM attempts WHERE race_id=?",
      [](const SQLite::Statement& q) {
        return std::pair{q.getColumn(0).getString(), parse_state(q.getColumn(1).getString())};
      },
      race_id);
  return {rows.begin(), rows.end()};
}

std::vector<TestOutcome> Store::outcomes(const std::string& race_id) {
  return select<TestOutcome>("SELECT " + column_list<TestOutcome>().qualified("o") +
                                 " FROM test_outcomes o JOIN attempts a ON a.id=o.attempt_id WHERE a.race_id=? "
                                 "ORDER BY o.attempt_id, o.rowid",
                             [&](const SQLite::Statement& q) { return read_row<TestOutcome>(q, file_, "test outcome"); },
                             race_id);
}

}  // namespace agentrace::store
