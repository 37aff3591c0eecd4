// The SQLite results store: schema, planning, the attempt life cycle, round trips.
#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "store/store.hpp"
#include "support/test-support.hpp"

namespace agentrace::store {
namespace {

namespace fs = std::filesystem;

AttemptRecord planned(const std::string& id, const std::string& task, const std::string& contender, int repeat,
                      const std::string& race = "race-1") {
  AttemptRecord a;
  a.id = id;
  a.race_id = race;
  a.task_id = task;
  a.task_hash = "hash-" + task;
  a.contender = contender;
  a.repeat = repeat;
  return a;
}

AttemptRecord finished(AttemptRecord a, AttemptState state, std::optional<int> grade) {
  a.state = state;
  a.grade = grade;
  a.ended_at = "2026-01-02T03:04:05.000Z";
  a.wall_s = 12.5;
  a.exit_code = 0;
  return a;
}

const AttemptRecord* find(const std::vector<AttemptRecord>& all, const std::string& id) {
  auto it = std::find_if(all.begin(), all.end(), [&](const auto& a) { return a.id == id; });
  return it == all.end() ? nullptr : &*it;
}

class StoreTest : public ::testing::Test {
 protected:
  fs::path file() const { return tmp_.path() / "sub" / "results.db"; }
  core::TempDir tmp_{"store-test"};
};

TEST_F(StoreTest, CreatesTheFileWithTheSchemaVersion) {
  Store db(file());
  EXPECT_TRUE(fs::exists(file()));  // parent folder created too
  EXPECT_EQ(db.schema_version(), store::Store::latest_schema_version());
  EXPECT_EQ(db.file(), file());
  EXPECT_TRUE(db.races().empty());
}

TEST_F(StoreTest, UsesWalMode) {
  Store db(file());
  SQLite::Database raw(file().string(), SQLite::OPEN_READONLY);
  EXPECT_EQ(raw.execAndGet("PRAGMA journal_mode").getString(), "wal");
}

TEST_F(StoreTest, ReopeningKeepsTheSchemaVersion) {
  { Store db(file()); }
  Store again(file());
  EXPECT_EQ(again.schema_version(), store::Store::latest_schema_version());
}

TEST_F(StoreTest, RefusesANewerSchema) {
  {
    fs::create_directories(file().parent_path());
    SQLite::Database raw(file().string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec("PRAGMA user_version=99");
  }
  EXPECT_THROW(Store db(file()), core::InfraError);
}

TEST_F(StoreTest, UnopenableFileIsAnInfraError) {
  fs::create_directories(tmp_.path() / "a-folder");
  EXPECT_THROW(Store db(tmp_.path() / "a-folder"), core::InfraError);
}

TEST_F(StoreTest, PlanIsIdempotent) {
  Store db(file());
  db.plan({planned("a1", "t1", "c1", 0), planned("a2", "t1", "c1", 1), planned("a3", "t2", "c1", 0)});
  db.finish(finished(planned("a1", "t1", "c1", 0), AttemptState::done, 3), {});
  // Planning again (a resumed race) adds only the new attempt and leaves the rest alone.
  db.plan({planned("a1", "t1", "c1", 0), planned("a2", "t1", "c1", 1), planned("a3", "t2", "c1", 0),
           planned("a4", "t2", "c1", 1)});
  const auto all = db.attempts("race-1");
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(find(all, "a1")->state, AttemptState::done);
  EXPECT_EQ(find(all, "a1")->grade, 3);
  EXPECT_EQ(find(all, "a4")->state, AttemptState::planned);
  // Ordered by task, contender, repeat.
  EXPECT_EQ(all[0].id, "a1");
  EXPECT_EQ(all[1].id, "a2");
  EXPECT_EQ(all[2].id, "a3");
  EXPECT_EQ(all[3].id, "a4");
}

TEST_F(StoreTest, PlannedAttemptHasNoResultsYet) {
  Store db(file());
  db.plan({planned("a1", "t1", "c1", 2)});
  const auto a = db.attempts("race-1").at(0);
  EXPECT_EQ(a.race_id, "race-1");
  EXPECT_EQ(a.task_id, "t1");
  EXPECT_EQ(a.task_hash, "hash-t1");
  EXPECT_EQ(a.contender, "c1");
  EXPECT_EQ(a.repeat, 2);
  EXPECT_EQ(a.state, AttemptState::planned);
  EXPECT_EQ(a.failure, FailureClass::none);
  EXPECT_EQ(a.runs, 0);
  EXPECT_FALSE(a.grade.has_value());
  EXPECT_TRUE(a.changed_files.empty());
}

// Known bug (src/store/store.cpp read_attempt): a NULL exit_code reads back as 0, so a
// planned attempt looks like a clean exit in `report --attempts`. Enable once fixed.
TEST_F(StoreTest, PlannedAttemptHasNoExitCode) {
  Store db(file());
  db.plan({planned("a1", "t1", "c1", 0)});
  EXPECT_EQ(db.attempts("race-1").at(0).exit_code, -1);
}

TEST_F(StoreTest, MarkRunningCountsRuns) {
  Store db(file());
  db.plan({planned("a1", "t1", "c1", 0)});
  db.mark_running("a1", "2026-01-02T00:00:00.000Z", "host-a");
  auto a = db.attempts("race-1").at(0);
  EXPECT_EQ(a.state, AttemptState::running);
  EXPECT_EQ(a.started_at, "2026-01-02T00:00:00.000Z");
  EXPECT_EQ(a.host, "host-a");
  EXPECT_EQ(a.runs, 1);
  db.mark_running("a1", "2026-01-02T01:00:00.000Z", "host-b");
  a = db.attempts("race-1").at(0);
  EXPECT_EQ(a.runs, 2);
  EXPECT_EQ(a.started_at, "2026-01-02T01:00:00.000Z");
  EXPECT_EQ(a.host, "host-b");
}

TEST_F(StoreTest, ResetUnfinishedReplansRunningAndInfraErrorsOnly) {
  Store db(file());
  db.plan({planned("run", "t1", "c1", 0), planned("infra", "t1", "c1", 1), planned("done", "t2", "c1", 0),
           planned("late", "t2", "c1", 1), planned("todo", "t3", "c1", 0),
           planned("other-race", "t1", "c1", 0, "race-2")});
  db.mark_running("run", "2026-01-02T00:00:00.000Z", "h");
  auto infra = finished(planned("infra", "t1", "c1", 1), AttemptState::infra_error, std::nullopt);
  infra.failure = FailureClass::sandbox;
  db.finish(infra, {});
  db.finish(finished(planned("done", "t2", "c1", 0), AttemptState::done, 2), {});
  auto late = finished(planned("late", "t2", "c1", 1), AttemptState::timed_out, 0);
  late.failure = FailureClass::timeout;
  db.finish(late, {});
  db.mark_running("other-race", "2026-01-02T00:00:00.000Z", "h");

  EXPECT_EQ(db.reset_unfinished("race-1", 1000), 2);
  const auto all = db.attempts("race-1");
  EXPECT_EQ(find(all, "run")->state, AttemptState::planned);
  EXPECT_EQ(find(all, "infra")->state, AttemptState::planned);
  EXPECT_EQ(find(all, "done")->state, AttemptState::done);
  EXPECT_EQ(find(all, "done")->grade, 2);
  EXPECT_EQ(find(all, "late")->state, AttemptState::timed_out);
  EXPECT_EQ(find(all, "todo")->state, AttemptState::planned);
  // Another race's running attempt is not touched.
  EXPECT_EQ(db.attempts("race-2").at(0).state, AttemptState::running);
  EXPECT_EQ(db.reset_unfinished("race-1", 1000), 0);
}

TEST_F(StoreTest, FinishWritesEveryField) {
  Store db(file());
  db.plan({planned("a1", "t1", "c1", 0)});
  db.mark_running("a1", "2026-01-02T00:00:00.000Z", "host-a");
  AttemptRecord a = planned("a1", "t1", "c1", 0);
  a.state = AttemptState::timed_out;
  a.failure = FailureClass::timeout;
  a.failure_detail = "agent ran past 900 s";
  a.ended_at = "2026-01-02T00:15:00.000Z";
  a.wall_s = 900.25;
  a.setup_s = 1.5;
  a.grade_s = 3.25;
  a.exit_code = -1;
  a.term_signal = 15;
  a.timed_out = true;
  a.user_s = 12.5;
  a.sys_s = 2.25;
  a.max_rss_kb = 123456;
  a.stdout_bytes = 5'000'000'000;  // more than 32 bits
  a.stderr_bytes = 42;
  a.output_truncated = true;
  a.diff = "diff --git a/x b/x\n+\xff binary-safe\n";
  a.changed_files = {"src/a.cpp", "tests/new file.py"};
  a.grade = 1;
  a.grade_source = "auto";
  a.grade_detail = "fail_to_pass: 1 of 2 pass";
  a.agent.turns = 3;
  a.agent.error_message = "bytes \xff that are not UTF-8";
  a.time_split = record::TimeSplit{10, 6, 3, 1, 0.5, 0.25, 2, 2, true, "", 0.5, 0.75};
  a.hygiene = {{"debug_leftovers", "src/a.cpp:3"}, {"tampered", "conftest.py"}};
  a.judge = record::JudgeVerdict{2, "fine", 1, ""};
  db.finish(a, {{"", "fail_to_pass", "f1", true, 0, false, 0.5, "ok\n"},
                {"", "fail_to_pass", "f2", false, 1, true, 120.0, "FAILED\n"}});

  const auto r = db.attempts("race-1").at(0);
  EXPECT_EQ(r.state, AttemptState::timed_out);
  EXPECT_EQ(r.failure, FailureClass::timeout);
  EXPECT_EQ(r.failure_detail, a.failure_detail);
  EXPECT_EQ(r.started_at, "2026-01-02T00:00:00.000Z");  // kept from mark_running
  EXPECT_EQ(r.ended_at, a.ended_at);
  EXPECT_EQ(r.runs, 1);
  EXPECT_DOUBLE_EQ(r.wall_s, 900.25);
  EXPECT_DOUBLE_EQ(r.setup_s, 1.5);
  EXPECT_DOUBLE_EQ(r.grade_s, 3.25);
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_EQ(r.term_signal, 15);
  EXPECT_TRUE(r.timed_out);
  EXPECT_DOUBLE_EQ(r.user_s, 12.5);
  EXPECT_DOUBLE_EQ(r.sys_s, 2.25);
  EXPECT_EQ(r.max_rss_kb, 123456);
  EXPECT_EQ(r.stdout_bytes, 5'000'000'000);
  EXPECT_EQ(r.stderr_bytes, 42);
  EXPECT_TRUE(r.output_truncated);
  EXPECT_EQ(r.diff, a.diff);
  EXPECT_EQ(r.changed_files, a.changed_files);
  EXPECT_EQ(r.grade, 1);
  EXPECT_EQ(r.grade_source, "auto");
  EXPECT_EQ(r.grade_detail, a.grade_detail);
  EXPECT_EQ(r.agent.turns, 3);
  EXPECT_EQ(r.agent.error_message, "bytes \xef\xbf\xbd that are not UTF-8");  // replaced, never thrown
  ASSERT_TRUE(r.time_split);
  EXPECT_EQ(nlohmann::json(*r.time_split), nlohmann::json(*a.time_split));
  EXPECT_EQ(r.hygiene.size(), 2u);
  EXPECT_EQ(record::tampered_detail(r.hygiene), "conftest.py");
  ASSERT_TRUE(r.judge);
  EXPECT_EQ(r.judge->grade, 2);
  EXPECT_EQ(r.judge->reasons, "fine");
  EXPECT_EQ(r.host, "host-a");

  const auto outs = db.outcomes("race-1");
  ASSERT_EQ(outs.size(), 2u);
  EXPECT_EQ(outs[0].attempt_id, "a1");  // filled in from the attempt
  EXPECT_EQ(outs[0].tier, "fail_to_pass");
  EXPECT_EQ(outs[0].name, "f1");
  EXPECT_TRUE(outs[0].passed);
  EXPECT_EQ(outs[0].output_tail, "ok\n");
  EXPECT_EQ(outs[1].name, "f2");
  EXPECT_FALSE(outs[1].passed);
  EXPECT_EQ(outs[1].exit_code, 1);
  EXPECT_TRUE(outs[1].timed_out);
  EXPECT_DOUBLE_EQ(outs[1].duration_s, 120.0);
}

TEST_F(StoreTest, SecondFinishReplacesTheOutcomes) {
  Store db(file());
  db.plan({planned("a1", "t1", "c1", 0)});
  db.finish(finished(planned("a1", "t1", "c1", 0), AttemptState::done, 1),
            {{"", "setup", "setup", true, 0, false, 1, ""},
             {"", "fail_to_pass", "f1", false, 1, false, 1, "old"},
             {"", "pass_to_pass", "p1", true, 0, false, 1, ""}});
  db.finish(finished(planned("a1", "t1", "c1", 0), AttemptState::done, 3),
            {{"", "setup", "setup", true, 0, false, 1, ""}, {"", "fail_to_pass", "f1", true, 0, false, 1, "new"}});
  const auto outs = db.outcomes("race-1");
  ASSERT_EQ(outs.size(), 2u);
  EXPECT_EQ(outs[1].name, "f1");
  EXPECT_TRUE(outs[1].passed);
  EXPECT_EQ(outs[1].output_tail, "new");
  const auto all = db.attempts("race-1");
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].grade, 3);
}

TEST_F(StoreTest, FinishWithoutGradeStoresNull) {
  Store db(file());
  db.plan({planned("a1", "t1", "c1", 0)});
  db.finish(finished(planned("a1", "t1", "c1", 0), AttemptState::done, 2), {});
  auto infra = finished(planned("a1", "t1", "c1", 0), AttemptState::infra_error, std::nullopt);
  infra.failure = FailureClass::workspace;
  db.finish(infra, {});
  const auto a = db.attempts("race-1").at(0);
  EXPECT_EQ(a.state, AttemptState::infra_error);
  EXPECT_EQ(a.failure, FailureClass::workspace);
  EXPECT_FALSE(a.grade.has_value());
}

TEST_F(StoreTest, FinishOfAnUnplannedAttemptThrows) {
  Store db(file());
  EXPECT_THROW(db.finish(finished(planned("ghost", "t1", "c1", 0), AttemptState::done, 3),
                         {{"", "fail_to_pass", "f1", true, 0, false, 1, ""}}),
               core::InfraError);
  EXPECT_TRUE(db.outcomes("race-1").empty());  // the transaction was rolled back
}

RaceRow race_row(const std::string& id, const std::string& name, const std::string& created) {
  record::Race spec;
  spec.repeats = 2;
  core::HostInfo host;
  host.host = "h";
  return {id, name, "/suites/s", "s", created, "bwrap", spec, host};
}

TEST_F(StoreTest, RacesContendersAndTasksRoundTrip) {
  Store db(file());
  db.put_race(race_row("race-2", "second", "2026-01-02T00:00:00.000Z"));
  db.put_race(race_row("race-1", "first", "2026-01-01T00:00:00.000Z"));
  db.put_contender({"race-1", "zeta", "nop", {}});
  db.put_contender({"race-1", "alpha", "command", test::parse_record<record::ContenderConfig>(R"({"model":"m"})")});
  db.put_contender({"race-2", "other", "nop", {}});
  record::TaskCard card;
  card.statement = "it crashes";
  card.grades[3] = "edge cases too";
  card.tests = {{"fail_to_pass", "t1", "make t1"}};
  card.fix = "diff --git a/x b/x\n";
  db.put_task({"h2", "task-b", "Task B", "python", {}}, "race-1");
  db.put_task({"h1", "task-a", "Task A", "cpp", card}, "race-1");
  db.put_task({"h1", "task-a", "Task A", "cpp", card}, "race-2");

  const auto races = db.races();
  ASSERT_EQ(races.size(), 2u);
  EXPECT_EQ(races[0].id, "race-1");  // by created_at
  EXPECT_EQ(races[0].name, "first");
  EXPECT_EQ(races[0].suite_dir, "/suites/s");
  EXPECT_EQ(races[0].suite_name, "s");
  EXPECT_EQ(races[0].sandbox, "bwrap");
  EXPECT_EQ(races[0].spec.repeats, 2);
  EXPECT_EQ(races[0].host.host, "h");
  EXPECT_FALSE(races[0].host.cores);
  ASSERT_TRUE(db.race("second").has_value());
  EXPECT_EQ(db.race("second")->id, "race-2");
  EXPECT_EQ(db.race("race-1")->name, "first");
  EXPECT_FALSE(db.race("nope").has_value());

  const auto cs = db.contenders("race-1");
  ASSERT_EQ(cs.size(), 2u);
  EXPECT_EQ(cs[0].name, "zeta");  // insertion (race-file) order
  EXPECT_EQ(cs[1].name, "alpha");
  EXPECT_EQ(cs[1].scaffold, "command");
  EXPECT_EQ(cs[1].config.model, "m");

  const auto ts = db.tasks("race-1");
  ASSERT_EQ(ts.size(), 2u);
  EXPECT_EQ(ts[0].id, "task-a");  // by id
  EXPECT_EQ(ts[0].hash, "h1");
  EXPECT_EQ(ts[0].title, "Task A");
  EXPECT_EQ(ts[0].language, "cpp");
  EXPECT_EQ(nlohmann::json(ts[0].card), nlohmann::json(card));
  EXPECT_EQ(db.tasks("race-2").size(), 1u);
}

// A stored record that does not read as one (another tool wrote it, or the disk lied) is
// an error naming the store, the row and the column, never a silent default.
TEST_F(StoreTest, BadStoredRecordNamesItsRowAndColumn) {
  {
    Store db(file());
    db.put_race(race_row("race-1", "first", "2026-01-01T00:00:00.000Z"));
    db.put_contender({"race-1", "alpha", "nop", {}});
    db.plan({planned("a1", "t", "alpha", 0)});
  }
  const auto expect_error = [&](const char* sql, const std::function<void(Store&)>& read, const std::string& what) {
    SQLite::Database(file().string(), SQLite::OPEN_READWRITE).exec(sql);
    Store db(file());
    try {
      read(db);
      ADD_FAILURE() << "no error for " << sql;
    } catch (const core::InfraError& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(file().string()), std::string::npos) << e.what();
    }
  };
  const auto attempts = [](Store& db) { db.attempts("race-1"); };
  expect_error(R"(UPDATE attempts SET agent_json='{"turns":"three"}')", attempts, "agent_json of attempt a1");
  expect_error(R"(UPDATE attempts SET agent_json='', time_split_json='{"wall_s":1}')", attempts,
               "time_split_json of attempt a1");
  expect_error(R"(UPDATE attempts SET time_split_json='', hygiene_json='{}')", attempts, "hygiene_json of attempt a1");
  expect_error(R"(UPDATE attempts SET hygiene_json='', judge_json='not json')", attempts, "judge_json of attempt a1");
  expect_error(R"(UPDATE contenders SET config_json='[1]')", [](Store& db) { db.contenders("race-1"); },
               "config_json of contender alpha of race race-1");
  expect_error(R"(UPDATE races SET spec_json='{"repeats":"two"}')", [](Store& db) { db.races(); },
               "spec_json of race race-1");
  expect_error(R"(UPDATE races SET spec_json='', host_json='{"cores":"two"}')", [](Store& db) { db.races(); },
               "host_json of race race-1");
}

// Empty columns (rows from before a record was kept, or not finished) read as defaults.
TEST_F(StoreTest, EmptyRecordColumnsReadAsDefaults) {
  {
    Store db(file());
    db.put_race(race_row("race-1", "first", "2026-01-01T00:00:00.000Z"));
    db.plan({planned("a1", "t", "alpha", 0)});
  }
  SQLite::Database(file().string(), SQLite::OPEN_READWRITE)
      .exec("UPDATE attempts SET agent_json=NULL, time_split_json='', hygiene_json=NULL, judge_json=''");
  Store db(file());
  const auto a = db.attempts("race-1").at(0);
  EXPECT_FALSE(a.agent.turns);
  EXPECT_FALSE(a.time_split);
  EXPECT_TRUE(a.hygiene.empty());
  EXPECT_FALSE(a.judge);
}

TEST_F(StoreTest, PutRaceAgainUpdatesSpecButKeepsNameAndCreation) {
  Store db(file());
  db.put_race(race_row("race-1", "first", "2026-01-01T00:00:00.000Z"));
  auto again = race_row("race-1", "renamed", "2027-01-01T00:00:00.000Z");
  again.spec.repeats = 3;
  db.put_race(again);
  const auto races = db.races();
  ASSERT_EQ(races.size(), 1u);
  EXPECT_EQ(races[0].name, "first");
  EXPECT_EQ(races[0].created_at, "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(races[0].spec.repeats, 3);
}

TEST_F(StoreTest, ReopeningKeepsEverything) {
  {
    Store db(file());
    db.put_race(race_row("race-1", "first", "2026-01-01T00:00:00.000Z"));
    db.put_contender({"race-1", "alpha", "nop", {}});
    db.put_task({"h1", "task-a", "Task A", "cpp", "{}"}, "race-1");
    db.plan({planned("a1", "task-a", "alpha", 0), planned("a2", "task-a", "alpha", 1)});
    db.mark_running("a1", "2026-01-01T00:00:01.000Z", "h");
    db.finish(finished(planned("a1", "task-a", "alpha", 0), AttemptState::done, 3),
              {{"", "fail_to_pass", "f1", true, 0, false, 1, ""}});
  }
  Store db(file());
  EXPECT_EQ(db.races().size(), 1u);
  EXPECT_EQ(db.contenders("race-1").size(), 1u);
  EXPECT_EQ(db.tasks("race-1").size(), 1u);
  const auto all = db.attempts("race-1");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].state, AttemptState::done);
  EXPECT_EQ(all[0].grade, 3);
  EXPECT_EQ(all[0].runs, 1);
  EXPECT_EQ(all[1].state, AttemptState::planned);
  EXPECT_EQ(db.outcomes("race-1").size(), 1u);
}

TEST_F(StoreTest, ASecondConnectionSeesCommittedAttempts) {
  Store writer(file());
  Store reader(file());
  writer.plan({planned("a1", "t1", "c1", 0)});
  writer.finish(finished(planned("a1", "t1", "c1", 0), AttemptState::done, 2), {});
  const auto all = reader.attempts("race-1");
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].grade, 2);
}

TEST(Records, StatesAndFailureClassesRoundTrip) {
  for (auto s : {AttemptState::planned, AttemptState::running, AttemptState::done, AttemptState::timed_out,
                 AttemptState::infra_error})
    EXPECT_EQ(parse_state(to_string(s)), s);
  EXPECT_THROW(parse_state("exploded"), core::InfraError);
  EXPECT_EQ(parse_failure("sandbox"), FailureClass::sandbox);
  EXPECT_THROW(parse_failure("gremlins"), core::InfraError);
  EXPECT_TRUE(is_infra(FailureClass::sandbox));
  EXPECT_TRUE(is_infra(FailureClass::connect));
  EXPECT_FALSE(is_infra(FailureClass::timeout));
  EXPECT_FALSE(is_infra(FailureClass::agent_error));
  EXPECT_FALSE(is_infra(FailureClass::none));
  EXPECT_EQ(grade_name(0), "Miss");
  EXPECT_EQ(grade_name(3), "Complete");
  EXPECT_EQ(grade_name(7), "-");
}

}  // namespace
}  // namespace agentrace::store
