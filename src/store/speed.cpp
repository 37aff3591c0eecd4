// The speed-run half of the store (schema 6).
#include <SQLiteCpp/SQLiteCpp.h>

#include "store/columns.hpp"

namespace agentrace::store {

template <class V>
void columns(V& v, SpeedRunRow& r) {
  v("id", r.id);
  v("started_at", r.started_at);
  v("endpoint", r.endpoint);
  v("protocol", r.protocol);
  v("model", r.model);
  v("simulated", r.simulated);
  v("server", r.server);
  v("agentrace", r.agentrace);
  v("host_json", r.host);
  v("options_json", r.options);
  v("run_json", r.run);
}

// The sweep point has columns of its own (what queries filter on); the case's whole row
// is result_json, from which the store reads the other figures (speed_cases).
template <class V>
void columns(V& v, SpeedCaseRow& c) {
  v("run_id", c.run_id);
  v("case_index", c.case_index);
  v("prompt_tokens", c.figures.prompt_tokens);
  v("output_tokens", c.figures.output_tokens);
  v("concurrency", c.figures.concurrency);
  v("rate", c.figures.rate);
  v("result_json", c.aggregates);
}

template <class V>
void columns(V& v, SpeedSampleRow& s) {
  v("run_id", s.run_id);
  v("case_index", s.case_index);
  v("sequence", s.sequence);
  v("sample_json", s.sample);
}

namespace {

template <class Row>
void insert_rows(SQLite::Database& db, const char* table, const std::string& run_id, const std::vector<Row>& rows) {
  SQLite::Statement clear(db, std::string("DELETE FROM ") + table + " WHERE run_id=?");
  clear.bind(1, run_id);
  clear.exec();
  SQLite::Statement insert(db, insert_sql<Row>(std::string("INSERT INTO ") + table));
  for (const auto& row : rows) {
    bind_row(insert, row);
    insert.exec();
    insert.reset();
  }
}

}  // namespace

void Store::put_speed_run(const SpeedRunRow& r, const std::vector<SpeedCaseRow>& cases,
                          const std::vector<SpeedSampleRow>& samples) try {
  std::lock_guard g(mutex_);
  SQLite::Transaction tx(*db_);
  SQLite::Statement run(*db_, insert_sql<SpeedRunRow>("INSERT OR REPLACE INTO speed_runs"));
  bind_row(run, r);
  run.exec();
  insert_rows(*db_, "speed_cases", r.id, cases);
  insert_rows(*db_, "speed_samples", r.id, samples);
  tx.commit();
} catch (const SQLite::Exception& e) {
  fail(e);
}

std::vector<SpeedRunRow> Store::speed_runs() {
  return select<SpeedRunRow>("SELECT " + column_list<SpeedRunRow>().joined() + " FROM speed_runs ORDER BY started_at, id",
                             [&](const SQLite::Statement& q) {
                               return read_row<SpeedRunRow>(q, file_, "speed run " + q.getColumn("id").getString());
                             });
}

std::vector<SpeedCaseRow> Store::speed_cases(const std::string& run_id) {
  return select<SpeedCaseRow>(
      "SELECT " + column_list<SpeedCaseRow>().joined() + " FROM speed_cases WHERE run_id=? ORDER BY case_index",
      [&](const SQLite::Statement& q) {
        const auto row = fmt::format("case {} of speed run {}", q.getColumn("case_index").getInt(), run_id);
        SpeedCaseRow c;
        read_value(q, "result_json", row, file_, c.figures);  // what a report shows, from the case's whole row
        read_columns(q, file_, row, c);                        // then the sweep from its columns
        return c;
      },
      run_id);
}

std::vector<SpeedSampleRow> Store::speed_samples(const std::string& run_id) {
  return select<SpeedSampleRow>(
      "SELECT " + column_list<SpeedSampleRow>().joined() + " FROM speed_samples WHERE run_id=? ORDER BY case_index, sequence",
      [&](const SQLite::Statement& q) {
        return read_row<SpeedSampleRow>(q, file_,
                                        fmt::format("sample {} of case {} of speed run {}", q.getColumn("sequence").getInt64(),
                                                    q.getColumn("case_index").getInt(), run_id));
      },
      run_id);
}

}  // namespace agentrace::store
