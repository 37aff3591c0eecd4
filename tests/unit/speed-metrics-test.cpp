// agentrace speed's aggregates on hand-computed samples, its printers against golden
// files, and speed runs in the store.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "speed/metrics.hpp"
#include "net/server.hpp"
#include "speed/metrics-scrape.hpp"
#include "speed/plots.hpp"
#include "speed/printers.hpp"
#include "store/store.hpp"
#include <SQLiteCpp/SQLiteCpp.h>
#include "support/test-support.hpp"

namespace agentrace::speed {
namespace {

constexpr std::int64_t kMs = 1'000'000;

// A request due at `at` ms: first content after ttft ms, then chunks every gap ms.
Sample streamed(std::int64_t at, std::int64_t queued, std::int64_t ttft, std::vector<std::int64_t> chunks_at,
                std::int64_t tokens) {
  Sample s;
  const std::int64_t base = 1'000 * kMs + at * kMs;
  s.scheduled_ns = base;
  s.sent_ns = base + queued * kMs;
  s.first_byte_ns = base + 5 * kMs;
  s.first_chunk_ns = base + 6 * kMs;
  s.first_content_ns = base + ttft * kMs;
  for (auto c : chunks_at) {
    s.chunk_ns.push_back(base + c * kMs);
    s.chunk_bytes.push_back(4);
  }
  s.end_ns = s.chunk_ns.back();
  s.status = 200;
  s.input_tokens = 100;
  s.usage_output_tokens = s.output_tokens = tokens;
  return s;
}

CaseRun hand_run() {
  CaseRun run{Case{512, 4, 2, 0}, {}, {1'000 * kMs}};
  run.samples.push_back(streamed(0, 0, 100, {100, 110, 120, 130}, 4));
  run.samples.push_back(streamed(1000, 50, 250, {250, 260, 270, 280, 290, 310}, 4));
  Sample failed;
  failed.scheduled_ns = failed.sent_ns = failed.end_ns = 3'000 * kMs;
  failed.status = 401;
  failed.error = ErrorClass::status;
  failed.error_detail = "HTTP 401: check --api-key-env";
  run.samples.push_back(failed);
  return run;
}

TEST(SpeedMetrics, AggregatesMatchHandComputedValues) {
  const CaseResult r = aggregate(hand_run(), 0, parse_slo("ttft=200"));
  EXPECT_EQ(r.requests, 3U);
  EXPECT_EQ(r.ok, 2U);
  EXPECT_EQ(r.errors.at("status"), 1U);
  EXPECT_EQ(r.first_error, "HTTP 401: check --api-key-env");
  EXPECT_DOUBLE_EQ(r.ttft_ms.mean, 175);
  EXPECT_NEAR(r.ttft_ms.sd, 106.066, 1e-3);
  EXPECT_DOUBLE_EQ(r.ttfb_ms.mean, 5);
  EXPECT_DOUBLE_EQ(r.ttfc_ms.mean, 6);
  // TPOT: (130 - 100) / 3 = 10 and (310 - 250) / 3 = 20.
  EXPECT_DOUBLE_EQ(r.tpot_ms.mean, 15);
  EXPECT_DOUBLE_EQ(r.decode_tps.mean, 75);  // 100 and 50 tokens/s
  // Chunk gaps 10,10,10 and 10,10,10,10,20; 8 tokens in 10 chunks.
  EXPECT_EQ(r.itl_chunk_ms.n, 8U);
  EXPECT_DOUBLE_EQ(r.itl_chunk_ms.max, 20);
  EXPECT_DOUBLE_EQ(r.tokens_per_chunk, 0.8);
  EXPECT_DOUBLE_EQ(r.itl_token_ms.median, 12.5);
  EXPECT_DOUBLE_EQ(r.e2e_ms.mean, 220);  // 130 and 310 from the due time
  EXPECT_DOUBLE_EQ(r.queued_ms.max, 50);
  // One repetition of 1 s: 2 requests, 8 output tokens, 208 in all, 1 within the SLO.
  EXPECT_DOUBLE_EQ(r.req_per_s.mean, 2);
  EXPECT_DOUBLE_EQ(r.output_tps.mean, 8);
  EXPECT_DOUBLE_EQ(r.total_tps.mean, 208);
  EXPECT_DOUBLE_EQ(r.goodput_per_s.mean, 1);
  EXPECT_EQ(r.token_source, "usage");
  EXPECT_FALSE(r.server_prompt_ms);
}

TEST(SpeedMetrics, PercentilesAndSloParsing) {
  std::vector<double> xs;
  for (int i = 1; i <= 100; ++i) xs.push_back(i);
  const Dist d = distribution(xs);
  EXPECT_DOUBLE_EQ(d.median, 50.5);
  EXPECT_NEAR(d.p90, 90.1, 1e-9);
  EXPECT_NEAR(d.p99, 99.01, 1e-9);
  EXPECT_DOUBLE_EQ(d.max, 100);
  const Slo slo = parse_slo("ttft=500,tpot=50,e2e=9000");
  EXPECT_EQ(slo.ttft_ms, 500);
  EXPECT_EQ(slo.tpot_ms, 50);
  EXPECT_EQ(slo.e2e_ms, 9000);
  EXPECT_THROW(parse_slo("ttft"), core::UsageError);
  EXPECT_THROW(parse_slo("latency=3"), core::UsageError);
  EXPECT_EQ(parse_slo("ttft=250ms").ttft_ms, 250);
  EXPECT_EQ(parse_slo("e2e=1.5s").e2e_ms, 1500);
  EXPECT_THROW(parse_slo("ttft=5min"), core::UsageError);
  EXPECT_THROW(parse_slo("ttft=5x"), core::UsageError);
  EXPECT_THROW(parse_slo("ttft=2k"), core::UsageError);
  EXPECT_THROW(parse_slo("ttft=0"), core::UsageError);
  EXPECT_THROW(parse_slo("ttft=ms"), core::UsageError);
}

TEST(SpeedMetrics, VllmCountersChangeBetweenScrapes) {
  const auto before = parse_vllm_metrics(
      "# HELP x\nvllm:prompt_tokens_total{model_name=\"m\"} 100\nvllm:e2e_request_latency_seconds_bucket{le=\"1\"} 3\n"
      "other_metric 5\nvllm:num_requests_running{model_name=\"m\"} 0\n");
  EXPECT_EQ(before.size(), 2U);
  const auto after = parse_vllm_metrics("vllm:prompt_tokens_total{model_name=\"m\"} 612\nvllm:num_requests_running{model_name=\"m\"} 0\n");
  const auto d = metric_deltas(before, after);
  EXPECT_EQ(d.size(), 1U);
  EXPECT_EQ(d["vllm:prompt_tokens_total{model_name=\"m\"}"], 512);
}

// GET /version and /metrics against a server that answers them as vLLM does, and one
// that answers neither (llama.cpp, a hosted API): nothing, and no error.
TEST(SpeedMetrics, AsksTheServerForItsVersionAndMetrics) {
  net::EventLoop loop;
  net::Server vllm(loop, {}, [](std::shared_ptr<net::Exchange> ex) {
    const auto& target = ex->request().target;
    if (target == "/version") return net::respond(*ex, 200, R"({"version":"0.11.2"})");
    if (target == "/metrics") return net::respond(*ex, 200, "vllm:prompt_tokens_total{model_name=\"m\"} 42\n");
    net::respond(*ex, 404, "no");
  });
  net::Server other(loop, {}, [](std::shared_ptr<net::Exchange> ex) { net::respond(*ex, 404, "not here"); });
  loop.start();
  const auto url = net::parse_url(vllm.url() + "/v1");
  EXPECT_EQ(server_version(url, {}), "0.11.2");
  const auto metrics = scrape_vllm(url, {});
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->at("vllm:prompt_tokens_total{model_name=\"m\"}"), 42);
  const auto none = net::parse_url(other.url());
  EXPECT_EQ(server_version(none, {}), std::nullopt);
  EXPECT_EQ(scrape_vllm(none, {}), std::nullopt);
  vllm.close();
  other.close();
  loop.stop();
}

RunInfo fixed_run() {
  RunInfo run{.id = "speed-0123456789abcdef", .started_at = "2026-11-30T10:00:00.000Z",
              .endpoint = "http://127.0.0.1:8080/v1", .protocol = "openai-chat", .model = "sim", .agentrace = "test",
              .arrival = "poisson", .simulated = true, .slo = true};
  run.self = {0.25, 2, {0.1, 0.2, 0.3}};
  return run;
}

std::vector<CaseResult> fixed_results() {
  const CaseRun run = hand_run();
  CaseRun other = run;
  other.c.prompt_tokens = 2048;
  return {aggregate(run, 0, parse_slo("ttft=200")), aggregate(other, 1, parse_slo("ttft=200"))};
}

TEST(SpeedPrinters, MatchGoldenFiles) {
  const auto results = fixed_results();
  const RunInfo run = fixed_run();
  EXPECT_EQ(test::compare_golden("speed-table.md", markdown(run, results)), "");
  EXPECT_EQ(test::compare_golden("speed-cases.csv", csv(run, results)), "");
  EXPECT_EQ(test::compare_golden("speed-run.json", json(run, results).dump(2) + "\n"), "");
  const auto plots = speed_plots(results, {hand_run()}, true);
  ASSERT_EQ(plots.size(), 3U);
  EXPECT_EQ(test::compare_golden("speed-latency-cdf.svg", plots[2].svg), "");
  EXPECT_EQ(test::compare_golden("speed-ttft-vs-context.svg", plots[1].svg), "");
}

TEST(SpeedPrinters, MarkdownShowsOnlyTheSweepColumnsThatVary) {
  const std::string md = markdown(fixed_run(), fixed_results());
  EXPECT_NE(md.find("| prompt |"), std::string::npos);
  EXPECT_EQ(md.find("| conc |"), std::string::npos);
  EXPECT_NE(md.find("output 4 · conc 2 · rate closed loop"), std::string::npos) << md;
  EXPECT_NE(md.find("SIMULATED"), std::string::npos);
}

TEST(SpeedStore, RunsCasesAndSamplesRoundTripTypedAndRewriteIdempotently) {
  core::TempDir dir("speed-store");
  store::Store db(dir.path() / "results.db");
  core::HostInfo host;
  host.cores = 2;
  record::SpeedOptions options{"512", "128", "1,4", "0", "poisson", 7, 3, 1, 0, false, 0, true, false, ""};
  const store::SpeedRunRow run{"speed-1", "2026-11-30T10:00:00.000Z", "http://x/v1", "openai-chat", "m", true, "llama",
                               "test", host, options, {{"aborted", ""}}};
  const nlohmann::json printed = {{"prompt_tokens", 512}, {"output_tokens", 128}, {"concurrency", 4}, {"rate", 0},
                                  {"ok", 4}, {"requests", 5}, {"ttft_ms_median", 12.5}, {"decode_tps_median", nullptr},
                                  {"output_tps_mean", 80}, {"ttft_ms_p99", 30}};
  const std::vector<store::SpeedCaseRow> cases{{"speed-1", 0, printed.get<record::SpeedCase>(), printed}};
  std::vector<store::SpeedSampleRow> samples{{"speed-1", 0, 0, {{"rep", 0}, {"e2e_ms", 3}}}, {"speed-1", 0, 1, {}}};
  db.put_speed_run(run, cases, samples);
  samples.pop_back();
  db.put_speed_run(run, cases, samples);
  const auto runs = db.speed_runs();
  ASSERT_EQ(runs.size(), 1U);
  EXPECT_TRUE(runs[0].simulated);
  EXPECT_EQ(runs[0].server, "llama");
  EXPECT_EQ(runs[0].host.cores, 2U);
  EXPECT_EQ(nlohmann::json(runs[0].options), nlohmann::json(options));
  EXPECT_EQ(runs[0].run, run.run);
  const auto back = db.speed_cases("speed-1");
  ASSERT_EQ(back.size(), 1U);
  EXPECT_EQ(back[0].figures.concurrency, 4);
  EXPECT_EQ(back[0].figures.ok, 4);
  EXPECT_EQ(back[0].figures.requests, 5);
  EXPECT_EQ(back[0].figures.ttft_ms_median, 12.5);
  EXPECT_FALSE(back[0].figures.decode_tps_median);
  EXPECT_EQ(back[0].aggregates, printed);  // every aggregate kept, not only what a report reads
  const auto kept = db.speed_samples("speed-1");
  ASSERT_EQ(kept.size(), 1U);
  EXPECT_EQ(kept[0].sample.dump(), R"({"rep":0,"e2e_ms":3})");  // in the sample's own key order
}

// A store written before the rows were typed (JSON text from `agentrace speed`) reads
// typed; a case row that is not one is an error naming the row and column.
TEST(SpeedStore, RowsWrittenAsTextReadTypedAndBadOnesAreNamed) {
  core::TempDir dir("speed-store");
  const auto file = dir.path() / "results.db";
  { store::Store db(file); }
  SQLite::Database sql(file.string(), SQLite::OPEN_READWRITE);
  sql.exec(R"(INSERT INTO speed_runs VALUES('speed-old','2026-01-01T00:00:00Z','http://x','openai-chat','m',0,'',)"
           R"('0.1.0','{"cores":8,"host":"h"}','{"prompt":"64","reps":2,"stream":false}','{"aborted":""}'))");
  sql.exec(R"(INSERT INTO speed_cases VALUES('speed-old',0,64,8,2,0,'{"ok":3,"requests":4,"ttft_ms_median":9.5}'))");
  store::Store db(file);
  const auto runs = db.speed_runs();
  ASSERT_EQ(runs.size(), 1U);
  EXPECT_EQ(runs[0].host.host, "h");
  EXPECT_EQ(runs[0].options.prompt, "64");
  EXPECT_FALSE(runs[0].options.stream);
  const auto cases = db.speed_cases("speed-old");
  ASSERT_EQ(cases.size(), 1U);
  EXPECT_EQ(cases[0].figures.prompt_tokens, 64);
  EXPECT_EQ(cases[0].figures.ok, 3);
  EXPECT_EQ(cases[0].figures.ttft_ms_median, 9.5);
  sql.exec(R"(UPDATE speed_cases SET result_json='{"ok":"three"}')");
  try {
    db.speed_cases("speed-old");
    ADD_FAILURE() << "a bad case row was read";
  } catch (const core::InfraError& e) {
    EXPECT_NE(std::string(e.what()).find("result_json of case 0 of speed run speed-old"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("speed case: ok:"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace agentrace::speed
