// The measuring instruments at scale, functionally (figures live in bench/): a sim on
// several event loops serves hundreds of streams at once and all of them complete, and
// says so at GET /agentrace/stats; `agentrace proxy` serves new client connections over
// its pooled upstream connections (counted where the sim accepts them).
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/fs.hpp"
#include "support/test-support.hpp"

namespace {

using Json = nlohmann::json;
using agentrace::test::binary;
using agentrace::test::run_command;

class Scale : public ::testing::Test {
 protected:
  void SetUp() override {
    // A long TTFT holds every stream open until all have been sent.
    agentrace::core::write_file(dir_.path() / "slow.toml",
                                "name = \"slow\"\nttft_ms = 1500\ndecode_tokens_per_s = 100\njitter_pct = 0\n");
  }
  // A bash prologue that starts a process writing its URL on stdout (sim) or its address on
  // stderr (proxy), in the background: $<VAR> holds its pid, $<VAR>_URL its URL.
  std::string start_sim(const std::string& args) const {
    return fmt::format("cd {0}; {1} sim -q {2} > sim.url 2> sim.err & SIM=$!; "
                       "until [ -s sim.url ]; do sleep 0.02; done; SIM_URL=$(cat sim.url); ",
                       dir_.path().string(), binary().string(), args);
  }
  std::string start_proxy(const std::string& args) const {
    return fmt::format("{0} proxy -q {1} --record calls.jsonl 2> proxy.err & PROXY=$!; "
                       "until grep -q 'listening on' proxy.err; do sleep 0.02; done; "
                       "PROXY_URL=$(sed -n 's/.*listening on \\(http[^ ]*\\).*/\\1/p' proxy.err); ",
                       binary().string(), args);
  }
  static constexpr const char* kStats = "curl -s $SIM_URL/agentrace/stats; ";
  agentrace::core::TempDir dir_{"sim-scale-test"};
};

TEST_F(Scale, ASimOnSeveralLoopsServesHundredsOfStreamsAtOnceAndAllComplete) {
  const auto r = run_command(start_sim("--threads 3 --profile slow.toml") +
                             fmt::format("{} speed --url $SIM_URL -p 16 -n 5 -c 300 --requests 300 -r 1 --format json "
                                         "--no-store --no-metrics > speed.json; rc=$?; {} kill $SIM; exit $rc",
                                         binary().string(), kStats));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json stats = Json::parse(r.out);
  const Json speed = Json::parse(agentrace::core::read_file(dir_.path() / "speed.json"));
  EXPECT_EQ(speed["cases"][0]["ok"], 300) << speed.dump();
  EXPECT_EQ(stats["loops"], 3);
  EXPECT_EQ(stats["responses"], 300) << stats.dump();
  EXPECT_EQ(stats["in_flight"], 0);
  EXPECT_GE(stats["peak_in_flight"].get<int>(), 150) << "streams were not served at once: " << stats.dump();
  EXPECT_GE(stats["lateness_ms"]["pieces"].get<int>(), 300 * 5);
}

TEST_F(Scale, ProxyServesNewClientConnectionsOverItsPooledUpstreamConnections) {
  const std::string call =
      R"(curl -sf $PROXY_URL/v1/chat/completions -d '{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}' > /dev/null || exit 9; )";
  std::string calls;
  for (int i = 0; i < 8; ++i) calls += call;  // each curl opens its own connection to the proxy
  const auto r = run_command(start_sim("--threads 1") + start_proxy("--threads 2 --upstream $SIM_URL") + calls +
                             std::string(kStats) + "kill $PROXY $SIM; wait $PROXY");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json stats = Json::parse(r.out);
  EXPECT_EQ(stats["responses"], 8) << stats.dump();
  // One upstream connection per proxy loop, plus the stats request's own.
  EXPECT_EQ(stats["connections_accepted"], 2 + 1) << stats.dump();
  const auto records = agentrace::core::read_file(dir_.path() / "calls.jsonl");
  EXPECT_EQ(std::count(records.begin(), records.end(), '\n'), 8) << "every call recorded, also after SIGTERM";
}

}  // namespace

namespace {

// What the client adds and what the server queued are measured apart (the sim stamps when
// it received the request and sent the first content), and --self-check names which side
// set the pace. No figure is judged here: only that the parts are there and add up.
TEST_F(Scale, SpeedSplitsWhatTheClientAddedFromWhatTheServerQueued) {
  const auto r = run_command(start_sim("--threads 2") +
                             fmt::format("{} speed --url $SIM_URL -p 16 -n 8 -c 4 --requests 8 -r 1 --format json --no-store "
                                         "--no-metrics --self-check --raw raw.jsonl; rc=$?; kill $SIM; exit $rc",
                                         binary().string()));
  ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 3) << r.err;
  EXPECT_NE(r.err.find("self-check: the client"), std::string::npos) << r.err;
  EXPECT_EQ(r.exit_code == 3, r.err.find("the client limited this run") != std::string::npos) << r.err;
  const Json c = Json::parse(r.out)["cases"][0];
  EXPECT_EQ(c["ok"], 8);
  ASSERT_TRUE(c["client_added_ms_median"].is_number()) << c.dump();
  ASSERT_TRUE(c["server_queue_ms_median"].is_number()) << c.dump();
  EXPECT_GE(c["client_added_ms_median"].get<double>(), 0);
  const auto raw = agentrace::core::read_file(dir_.path() / "raw.jsonl");
  const Json first = Json::parse(raw.substr(0, raw.find('\n')));
  // Request started <= received by the sim <= first content sent by it <= seen by the client.
  EXPECT_LE(first["queued_ms"].get<double>(), first["sim_received_ms"].get<double>()) << first.dump();
  EXPECT_TRUE(first["request_sent_ms"].is_number()) << first.dump();
  EXPECT_LE(first["sim_received_ms"].get<double>(), first["sim_sent_ms"].get<double>()) << first.dump();
  EXPECT_LE(first["sim_sent_ms"].get<double>(), first["first_content_ms"].get<double>()) << first.dump();
}

}  // namespace
