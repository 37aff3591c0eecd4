// `agentrace speed` as a process against `agentrace sim` with a known latency profile
// (zero jitter): measured TTFT, TPOT and decode tokens/s match the profile within 2% in
// each protocol; an open-loop run against a server that stalls (SIGSTOP) reports the
// latencies from each request's due time; bad endpoints fail clearly and keep results.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/fs.hpp"
#include "store/store.hpp"
#include "support/test-support.hpp"

namespace {

using Json = nlohmann::json;
using agentrace::test::binary;
using agentrace::test::run_command;

constexpr double kTtftMs = 200, kPer1kMs = 10, kDecodePerS = 100;

class Speed : public ::testing::Test {
 protected:
  void SetUp() override {
    agentrace::core::write_file(dir_.path() / "profile.toml",
                                fmt::format("name = \"known\"\nttft_ms = {}\nttft_per_1k_tokens_ms = {}\n"
                                            "decode_tokens_per_s = {}\ntokens_per_chunk = 1\njitter_pct = 0\n",
                                            kTtftMs, kPer1kMs, kDecodePerS));
  }
  // A bash prologue that starts the sim in the background: $SIM (pid) and $URL.
  std::string start_sim(const std::string& profile, const std::string& more_args = "") const {
    return fmt::format("cd {0}; rm -f sim.url; {1} sim --profile {2} {3} -q > sim.url 2> sim.err & SIM=$!; "
                       "until [ -s {0}/sim.url ]; do sleep 0.02; done; URL=$(cat {0}/sim.url); ",
                       dir_.path().string(), binary().string(), profile, more_args);
  }
  std::string speed() const { return binary().string() + " speed"; }
  agentrace::core::TempDir dir_{"speed-test"};
};

double field(const Json& c, const std::string& name) { return c.at(name).get<double>(); }

// Load on the machine only ever delays the sim or the client, so TTFT and E2E are checked on
// the quickest request, over the raw samples; TPOT, decode tokens/s and ITL on their medians
// (the sim keeps an absolute schedule, so a late first token shortens that request's TPOT).
// CTest runs this test alone (RUN_SERIAL). The medians in the summary must agree with the
// raw samples, and the client's own lag is checked on its median.
TEST_F(Speed, MeasuredFiguresMatchTheInjectedProfileInEveryProtocol) {
  for (const char* protocol : {"openai-chat", "anthropic-messages", "openai-responses"}) {
    const std::string raw = (dir_.path() / fmt::format("{}.jsonl", protocol)).string();
    const auto r = run_command(start_sim("profile.toml") +
                               fmt::format("{} --url $URL --protocol {} -p 1000 -n 30 -c 2 -r 1 --requests 6 --warmup 2 "
                                           "--format json --no-store --raw {}; rc=$?; kill $SIM; exit $rc",
                                           speed(), protocol, raw));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const Json j = Json::parse(r.out);
    EXPECT_TRUE(j["simulated"].get<bool>());
    const Json& c = j["cases"][0];
    EXPECT_EQ(c["ok"], 6) << protocol;
    EXPECT_EQ(c["token_source"], "usage");
    EXPECT_EQ(field(c, "output_tokens_measured_mean"), 30);
    EXPECT_DOUBLE_EQ(field(c, "tokens_per_chunk"), 1);

    std::vector<double> ttfts, e2es, tpots, lags;
    std::ifstream in(raw);
    for (std::string line; std::getline(in, line);) {
      const Json s = Json::parse(line);
      if (s["rep"].get<int>() < 0) continue;  // warm-up
      const double first = s["first_content_ms"], end = s["end_ms"];
      ttfts.push_back(first);
      e2es.push_back(end);
      tpots.push_back((end - first) / (s["output_tokens"].get<double>() - 1));
      lags.push_back(first - s["sim_sent_ms"].get<double>());
    }
    ASSERT_EQ(ttfts.size(), 6U) << protocol;
    const auto median = [](std::vector<double> xs) {
      std::sort(xs.begin(), xs.end());
      return (xs[(xs.size() - 1) / 2] + xs[xs.size() / 2]) / 2;
    };
    EXPECT_NEAR(field(c, "ttft_ms_median"), median(ttfts), 0.01) << protocol;
    EXPECT_NEAR(field(c, "tpot_ms_median"), median(tpots), 0.01) << protocol;

    // The sim counts a prompt as request bytes / 4 and says so in usage.
    const double ttft = kTtftMs + kPer1kMs * field(c, "input_tokens_mean") / 1000, tpot = 1000 / kDecodePerS;
    EXPECT_NEAR(*std::min_element(ttfts.begin(), ttfts.end()), ttft, ttft * 0.02) << protocol;
    const double e2e = ttft + 29 * tpot;
    EXPECT_NEAR(*std::min_element(e2es.begin(), e2es.end()), e2e, e2e * 0.02) << protocol;
    EXPECT_NEAR(median(tpots), tpot, tpot * 0.02) << protocol;
    EXPECT_NEAR(field(c, "itl_chunk_ms_median"), tpot, tpot * 0.02) << protocol;
    EXPECT_NEAR(field(c, "decode_tps_median"), kDecodePerS, 0.02 * kDecodePerS) << protocol;
    // The client's own share of TTFT: first content seen minus the sim's send time.
    EXPECT_LT(median(lags), 2) << protocol;
    EXPECT_GE(*std::min_element(lags.begin(), lags.end()), 0) << protocol;
  }
}

// A server on a Unix socket (vLLM --uds, the sim's --listen PATH): the URL the sim prints
// is the one speed takes.
TEST_F(Speed, ReachesAServerOnAUnixSocket) {
  const auto sock = dir_.path() / "sim.sock";
  const auto r = run_command(start_sim("zero", "--listen " + sock.string()) +
                             fmt::format("{} --url $URL -p 64 -n 8 --requests 3 -r 1 --no-store --format json; "
                                         "rc=$?; kill $SIM; exit $rc",
                                         speed()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json j = Json::parse(r.out);
  EXPECT_EQ(j["cases"][0]["ok"], 3) << r.out;
  EXPECT_NE(j.dump().find("http+unix://%2F"), std::string::npos) << "the endpoint is named as given";
}

TEST_F(Speed, NonStreamingRequestsAndTheStoreAndPlots) {
  const std::string db = (dir_.path() / "r.db").string(), svg = (dir_.path() / "svg").string();
  const auto r = run_command(start_sim("zero") + fmt::format("{} --url $URL -p 64,256 -n 8 -c 1,3 -r 2 --no-stream --db {} "
                                                             "--svg {} --raw {}/raw.jsonl; rc=$?; kill $SIM; exit $rc",
                                                             speed(), db, svg, dir_.path().string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("| prompt | conc |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("not streaming"), std::string::npos);
  agentrace::store::Store store(db);
  const auto runs = store.speed_runs();
  ASSERT_EQ(runs.size(), 1U);
  EXPECT_TRUE(runs[0].simulated);
  EXPECT_EQ(store.speed_cases(runs[0].id).size(), 4U);
  EXPECT_EQ(store.speed_samples(runs[0].id).size(), 4U * 2 * 4);  // max(4, conc) requests, 2 reps
  for (const char* plot : {"tokens-vs-context.svg", "ttft-vs-context.svg", "latency-cdf.svg"}) {
    EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(svg) / plot)) << plot;
  }
}

TEST_F(Speed, OpenLoopAgainstAStalledServerCountsFromTheDueTime) {
  agentrace::core::write_file(dir_.path() / "fast.toml", "ttft_ms = 10\ndecode_tokens_per_s = 1000\n");
  // 20 requests/s for 1.5 s, at most one in flight; the server stops for 0.8 s at 0.3 s.
  const auto r = run_command(
      start_sim("fast.toml") +
      fmt::format("(sleep 0.3; kill -STOP $SIM; sleep 0.8; kill -CONT $SIM) & "
                  "{} --url $URL -p 32 -n 10 --rate 20 -c 1 --requests 30 -r 1 --seed 3 --no-store --format json "
                  "--raw {}/raw.jsonl; rc=$?; kill $SIM; exit $rc",
                  speed(), dir_.path().string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream raw(dir_.path() / "raw.jsonl");
  double worst = 0;
  int slow_from_due = 0, slow_from_send = 0;
  for (std::string line; std::getline(raw, line);) {
    const Json s = Json::parse(line);
    const double end = s["end_ms"], queued = s["queued_ms"];
    worst = std::max(worst, end);
    slow_from_due += end > 300 ? 1 : 0;
    slow_from_send += end - queued > 300 ? 1 : 0;
  }
  // The request in flight at the stall waits it out, and so does every one due during it
  // (about 16), queued behind it.
  EXPECT_GT(worst, 600);
  EXPECT_GE(slow_from_due, 8);
  // Counted from the send instead, only the one in flight would look slow.
  EXPECT_LE(slow_from_send, 2);
  const Json c = Json::parse(r.out)["cases"][0];
  EXPECT_GT(field(c, "e2e_ms_p90"), 200) << r.out;
  EXPECT_GT(field(c, "queued_ms_max"), 300);
}

std::string fake(const std::string& mode) {
  return fmt::format("rm -f {0}.url; python3 {1}/speed/fake-endpoint.py {0} > {0}.url 2>/dev/null & FAKE=$!; "
                     "until [ -s {0}.url ]; do sleep 0.02; done; URL=$(cat {0}.url); ",
                     mode, agentrace::test::data_dir().string());
}

TEST_F(Speed, BadEndpointsFailClearlyAndKeepThePartialResults) {
  const std::string db = (dir_.path() / "bad.db").string();
  struct Case {
    std::string setup, message;
  };
  const std::vector<Case> cases{
      {"URL=http://127.0.0.1:1/v1; ", "Connection refused"},
      {fake("unauthorized"), "HTTP 401: check --api-key-env"},
      {fake("malformed"), "malformed"},
      {fake("not-a-model"), "check --protocol"},
  };
  for (const auto& c : cases) {
    const auto r = run_command(fmt::format("cd {}; {}{} --url $URL -r 1 -n 4 --db {}; rc=$?; kill $FAKE 2>/dev/null; exit $rc",
                                           dir_.path().string(), c.setup, speed(), db));
    EXPECT_EQ(r.exit_code, 1) << c.message << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("the run stopped early; the results so far are kept"), std::string::npos) << r.err;
    EXPECT_NE(r.out.find("0/4"), std::string::npos) << r.out;
  }
  agentrace::store::Store store(db);
  EXPECT_EQ(store.speed_runs().size(), cases.size());
}

TEST_F(Speed, UsageErrorsNameTheFlag) {
  const auto bad_list = run_command(speed() + " --url http://127.0.0.1:1 -p 12,abc --no-store");
  EXPECT_EQ(bad_list.exit_code, 2);
  EXPECT_NE(bad_list.err.find("-p/--prompt: 'abc'"), std::string::npos) << bad_list.err;
  const auto no_key = run_command(speed() + " --url http://127.0.0.1:1 --api-key-env AGENTRACE_NO_SUCH_KEY --no-store");
  EXPECT_EQ(no_key.exit_code, 2);
  EXPECT_NE(no_key.err.find("--api-key-env AGENTRACE_NO_SUCH_KEY"), std::string::npos) << no_key.err;
  const auto protocol = run_command(speed() + " --url http://127.0.0.1:1 --protocol grpc --no-store");
  EXPECT_EQ(protocol.exit_code, 2);
  EXPECT_NE(protocol.err.find("--protocol: 'grpc'"), std::string::npos) << protocol.err;
}

}  // namespace

namespace {

TEST_F(Speed, TheRaceReportShowsSpeedRunsKeptInTheSameStore) {
  const std::string db = (dir_.path() / "race.db").string();
  const auto r = run_command(start_sim("zero") + fmt::format("{} --url $URL -p 64 -n 8 -c 2 -r 1 --db {}; rc=$?; kill $SIM; "
                                                             "exit $rc",
                                                             speed(), db));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto race = run_command(fmt::format("{} run --suite {} --contender oracle --sandbox none --db {} -q",
                                            binary().string(), (agentrace::test::data_dir() / "suites" / "tiny").string(),
                                            db));
  ASSERT_EQ(race.exit_code, 0) << race.err;
  const auto report = run_command(fmt::format("{} report --db {}", binary().string(), db));
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_NE(report.out.find("## What the endpoints run at"), std::string::npos) << report.out;
  EXPECT_NE(report.out.find("(openai-chat, simulated) on "), std::string::npos) << report.out;
  EXPECT_NE(report.out.find("|            64 |             8 |           2 | closed |"), std::string::npos) << report.out;
}

}  // namespace
