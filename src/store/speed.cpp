// The speed-run half of the store (schema 6).
#include <SQLiteCpp/SQLiteCpp.h>

#include "store/store.hpp"

namespace agentrace::store {

void Store::put_speed_run(const SpeedRunRow& r, const std::vector<SpeedCaseRow>& cases,
                          const std::vector<SpeedSampleRow>& samples) try {
  std::lock_guard g(mutex_);
  SQLite::Transaction tx(*db_);
  SQLite::Statement run(*db_, "INSERT OR REPLACE INTO speed_runs(id, started_at, endpoint, protocol, model, simulated, "
                              "server, agentrace, host_json, options_json, run_json) VALUES(?,?,?,?,?,?,?,?,?,?,?)");
  int i = 1;
  for (const std::string* v : {&r.id, &r.started_at, &r.endpoint, &r.protocol, &r.model}) run.bind(i++, *v);
  run.bind(i++, r.simulated ? 1 : 0);
  for (const std::string* v : {&r.server, &r.agentrace, &r.host_json, &r.options_json, &r.run_json}) run.bind(i++, *v);
  run.exec();
  for (const char* table : {"speed_cases", "speed_samples"}) {
    SQLite::Statement clear(*db_, std::string("DELETE FROM ") + table + " WHERE run_id=?");
    clear.bind(1, r.id);
    clear.exec();
  }
  SQLite::Statement c(*db_, "INSERT INTO speed_cases(run_id, case_index, prompt_tokens, output_tokens, concurrency, rate, "
                            "result_json) VALUES(?,?,?,?,?,?,?)");
  for (const auto& row : cases) {
    c.bind(1, row.run_id);
    c.bind(2, row.case_index);
    c.bind(3, row.prompt_tokens);
    c.bind(4, row.output_tokens);
    c.bind(5, row.concurrency);
    c.bind(6, row.rate);
    c.bind(7, row.result_json);
    c.exec();
    c.reset();
  }
  SQLite::Statement s(*db_, "INSERT INTO speed_samples(run_id, case_index, sequence, sample_json) VALUES(?,?,?,?)");
  for (const auto& row : samples) {
    s.bind(1, row.run_id);
    s.bind(2, row.case_index);
    s.bind(3, row.sequence);
    s.bind(4, row.sample_json);
    s.exec();
    s.reset();
  }
  tx.commit();
} catch (const SQLite::Exception& e) {
  fail(e);
}

std::vector<SpeedRunRow> Store::speed_runs() try {
  std::lock_guard g(mutex_);
  std::vector<SpeedRunRow> out;
  SQLite::Statement q(*db_, "SELECT id, started_at, endpoint, protocol, model, simulated, server, agentrace, host_json, "
                            "options_json, run_json FROM speed_runs ORDER BY started_at, id");
  while (q.executeStep()) {
    SpeedRunRow r;
    int i = 0;
    for (std::string* v : {&r.id, &r.started_at, &r.endpoint, &r.protocol, &r.model}) *v = q.getColumn(i++).getString();
    r.simulated = q.getColumn(i++).getInt() != 0;
    for (std::string* v : {&r.server, &r.agentrace, &r.host_json, &r.options_json, &r.run_json}) {
      *v = q.getColumn(i++).getString();
    }
    out.push_back(std::move(r));
  }
  return out;
} catch (const SQLite::Exception& e) {
  fail(e);
}

std::vector<SpeedCaseRow> Store::speed_cases(const std::string& run_id) try {
  std::lock_guard g(mutex_);
  std::vector<SpeedCaseRow> out;
  SQLite::Statement q(*db_, "SELECT case_index, prompt_tokens, output_tokens, concurrency, rate, result_json "
                            "FROM speed_cases WHERE run_id=? ORDER BY case_index");
  q.bind(1, run_id);
  while (q.executeStep()) {
    out.push_back({run_id, q.getColumn(0).getInt(), q.getColumn(1).getInt64(), q.getColumn(2).getInt64(),
                   q.getColumn(3).getInt(), q.getColumn(4).getDouble(), q.getColumn(5).getString()});
  }
  return out;
} catch (const SQLite::Exception& e) {
  fail(e);
}

std::vector<SpeedSampleRow> Store::speed_samples(const std::string& run_id) try {
  std::lock_guard g(mutex_);
  std::vector<SpeedSampleRow> out;
  SQLite::Statement q(*db_, "SELECT case_index, sequence, sample_json FROM speed_samples WHERE run_id=? "
                            "ORDER BY case_index, sequence");
  q.bind(1, run_id);
  while (q.executeStep()) {
    out.push_back({run_id, q.getColumn(0).getInt(), q.getColumn(1).getInt64(), q.getColumn(2).getString()});
  }
  return out;
} catch (const SQLite::Exception& e) {
  fail(e);
}

}  // namespace agentrace::store
