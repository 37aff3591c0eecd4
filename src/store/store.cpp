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
  ColumnList identity({Part::identity});
  visit_columns(identity, AttemptRecord{});
  std::lock_guard g(mutex_);
  SQLite::Transaction tx(*db_);
  SQLite::Statement q(*db_, "INSERT OR IGNORE INTO attempts(" + identity.joined() + ", state) VALUES(" +
                                identity.placeholders() + ",'planned')");
  for (const auto& a : attempts) {
    ColumnBinder b(q, {Part::identity});
    visit_columns(b, a);
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

// Writes the attempt's result while `owner` holds it ("" = whoever does).
const std::string& finish_sql() {
  static const std::string sql = [] {
    ColumnList result({Part::result});
    visit_columns(result, AttemptRecord{});
    return "UPDATE attempts SET " + result.joined("=?") +
           ", updated_at=?, lease_until=NULL WHERE id=? AND (?='' OR (owner=? AND state='running'))";
  }();
  return sql;
}

void bind_finish(SQLite::Statement& q, const AttemptRecord& a, const std::string& owner) {
  ColumnBinder b(q, {Part::result});
  visit_columns(b, a);
  int i = b.next();
  for (const std::string& v : {core::wall_now_rfc3339(), a.id, owner, owner}) q.bind(i++, v);
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
  static const std::string sql = [] {
    ColumnList all;
    visit_columns(all, CallRow{});
    return "INSERT OR REPLACE INTO calls(" + all.joined() + ") VALUES(" + all.placeholders() + ")";
  }();
  std::lock_guard g(mutex_);
  SQLite::Statement q(*db_, sql);
  ColumnBinder b(q);
  visit_columns(b, c);
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

// The calls of a race by attempt, then sequence; the raw record only when asked for.
std::vector<CallRow> query_calls(SQLite::Database& db, const std::filesystem::path& file, const std::string& race_id,
                                 bool with_record) {
  std::vector<Part> parts = {Part::result};
  if (with_record) parts.push_back(Part::raw);
  ColumnList list(parts);
  visit_columns(list, CallRow{});
  SQLite::Statement q(db, "SELECT " + list.qualified("c") +
                              " FROM calls c JOIN attempts a ON a.id=c.attempt_id WHERE a.race_id=? "
                              "ORDER BY c.attempt_id, c.sequence");
  q.bind(1, race_id);
  std::vector<CallRow> out;
  while (q.executeStep()) {
    CallRow c;
    ColumnReader r(q, file, "call of attempt ", c.attempt_id, parts);
    columns(r, c);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

std::vector<CallRow> Store::calls(const std::string& race_id) try {
  std::lock_guard g(mutex_);
  return query_calls(*db_, file_, race_id, true);
} catch (const SQLite::Exception& e) {
  fail(e);
}

std::vector<CallRow> Store::call_summaries(const std::string& race_id) try {
  std::lock_guard g(mutex_);
  return query_calls(*db_, file_, race_id, false);
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
  static const std::string sql = [] {
    ColumnList all;
    visit_columns(all, AttemptRecord{});
    return "SELECT " + all.joined() + " FROM attempts WHERE race_id=? ORDER BY task_id, contender, repeat";
  }();
  std::lock_guard g(mutex_);
  std::vector<AttemptRecord> out;
  SQLite::Statement q(*db_, sql);
  q.bind(1, race_id);
  while (q.executeStep()) {
    AttemptRecord a;
    ColumnReader r(q, file_, "attempt ", a.id);
    columns(r, a);
    out.push_back(std::move(a));
  }
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
