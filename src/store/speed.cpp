// The speed-run half of the store (schema 6).
#include <SQLiteCpp/SQLiteCpp.h>

#include "store/columns.hpp"
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
  for (const std::string& v : {r.server, r.agentrace, record_text(r.host), record_text(r.options), record_text(r.run)})
    run.bind(i++, v);
  run.exec();
  for (const char* table : {"speed_cases", "speed_samples"}) {
    SQLite::Statement clear(*db_, std::string("DELETE FROM ") + table + " WHERE run_id=?");
    clear.bind(1, r.id);
    clear.exec();
  }
  SQLite::Statement c(*db_, "INSERT INTO speed_cases(run_id, case_index, prompt_tokens, output_tokens, concurrency, rate, "
                            "result_json) VALUES(?,?,?,?,?,?,?)");
  for (const auto& row : cases) {
    const auto& f = row.figures;
    c.bind(1, row.run_id);
    c.bind(2, row.case_index);
    c.bind(3, f.prompt_tokens);
    c.bind(4, f.output_tokens);
    c.bind(5, f.concurrency);
    c.bind(6, f.rate);
    c.bind(7, record_text(row.aggregates));
    c.exec();
    c.reset();
  }
  SQLite::Statement s(*db_, "INSERT INTO speed_samples(run_id, case_index, sequence, sample_json) VALUES(?,?,?,?)");
  for (const auto& row : samples) {
    s.bind(1, row.run_id);
    s.bind(2, row.case_index);
    s.bind(3, row.sequence);
    s.bind(4, record_text(row.sample));
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
    const std::pair<const char*, std::string*> text[] = {
        {"id", &r.id},         {"started_at", &r.started_at}, {"endpoint", &r.endpoint}, {"protocol", &r.protocol},
        {"model", &r.model},   {"server", &r.server},         {"agentrace", &r.agentrace}};
    for (auto [column, v] : text) *v = q.getColumn(column).getString();
    r.simulated = q.getColumn("simulated").getInt() != 0;
    const std::string row = "speed run " + r.id;
    read_record(q, "host_json", row, file_, r.host);
    read_record(q, "options_json", row, file_, r.options);
    read_record(q, "run_json", row, file_, r.run);
    out.push_back(std::move(r));
  }
  return out;
} catch (const SQLite::Exception& e) {
  fail(e);
}

// The sweep point is read from the columns (what queries filter on), the figures from
// the case's row.
std::vector<SpeedCaseRow> Store::speed_cases(const std::string& run_id) try {
  std::lock_guard g(mutex_);
  std::vector<SpeedCaseRow> out;
  SQLite::Statement q(*db_, "SELECT case_index, prompt_tokens, output_tokens, concurrency, rate, result_json "
                            "FROM speed_cases WHERE run_id=? ORDER BY case_index");
  q.bind(1, run_id);
  while (q.executeStep()) {
    SpeedCaseRow c{run_id, q.getColumn("case_index").getInt(), {}, {}};
    const std::string row = fmt::format("case {} of speed run {}", c.case_index, run_id);
    read_record(q, "result_json", row, file_, c.aggregates);
    read_record(q, "result_json", row, file_, c.figures);
    c.figures.prompt_tokens = q.getColumn("prompt_tokens").getInt64();
    c.figures.output_tokens = q.getColumn("output_tokens").getInt64();
    c.figures.concurrency = q.getColumn("concurrency").getInt();
    c.figures.rate = q.getColumn("rate").getDouble();
    out.push_back(std::move(c));
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
    SpeedSampleRow s{run_id, q.getColumn("case_index").getInt(), q.getColumn("sequence").getInt64(), {}};
    read_record(q, "sample_json", fmt::format("sample {} of case {} of speed run {}", s.sequence, s.case_index, run_id),
                file_, s.sample);
    out.push_back(std::move(s));
  }
  return out;
} catch (const SQLite::Exception& e) {
  fail(e);
}

}  // namespace agentrace::store
