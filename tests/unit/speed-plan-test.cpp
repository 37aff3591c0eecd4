// agentrace speed's plan: the sweep cross product, comma lists, seeded arrivals with the
// right mean rate, prompts that defeat (or, when asked, use) a prefix cache, request bodies.
#include <gtest/gtest.h>

#include <cmath>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/stats.hpp"
#include "sim/conversation.hpp"
#include "sim/load.hpp"
#include "sim/responder.hpp"
#include "speed/plan.hpp"
#include "speed/prompt.hpp"
#include "wire/request.hpp"

namespace agentrace::speed {
namespace {

TEST(SpeedPlan, CrossProductRunsEveryCombinationInOrder) {
  Sweep s{{128, 512}, {64}, {1, 4}, {0}};
  const auto cases = cross_product(s);
  ASSERT_EQ(cases.size(), 4U);
  EXPECT_EQ(cases[0], (Case{128, 64, 1, 0}));
  EXPECT_EQ(cases[1], (Case{128, 64, 4, 0}));
  EXPECT_EQ(cases[2], (Case{512, 64, 1, 0}));
  EXPECT_EQ(cases[3], (Case{512, 64, 4, 0}));
}

TEST(SpeedPlan, ConcurrencyDefaultsToOneClosedAndNoCapOpen) {
  const auto cases = cross_product(Sweep{{512}, {128, 256}, {}, {0, 5}});
  ASSERT_EQ(cases.size(), 4U);
  EXPECT_EQ(cases[0], (Case{512, 128, 1, 0}));
  EXPECT_EQ(cases[1], (Case{512, 128, 0, 5}));
  EXPECT_TRUE(cases[1].open_loop());
  EXPECT_EQ(cases[3], (Case{512, 256, 0, 5}));
}

TEST(SpeedPlan, ListsParseWithSuffixAndNameTheFlag) {
  EXPECT_EQ(parse_int_list("128,2k", "-p", 1), (std::vector<std::int64_t>{128, 2048}));
  EXPECT_EQ(parse_number_list("0.5,10", "--rate", 0), (std::vector<double>{0.5, 10}));
  try {
    parse_int_list("128,abc", "-p/--prompt", 1);
    FAIL();
  } catch (const core::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("-p/--prompt: 'abc'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_int_list("0", "-n", 1), core::UsageError);
  EXPECT_THROW(parse_int_list("1.5", "-n", 1), core::UsageError);
  EXPECT_THROW(parse_int_list("", "-n", 1), core::UsageError);
  EXPECT_THROW(parse_arrival("uniform"), core::UsageError);
  EXPECT_EQ(parse_arrival("gamma:0.5").shape, 0.5);
}

double mean_rate(const std::vector<std::int64_t>& at) {
  return static_cast<double>(at.size() - 1) / (static_cast<double>(at.back()) / 1e9);
}

TEST(SpeedPlan, ArrivalsAreSeededAndKeepTheMeanRate) {
  const auto a = arrival_offsets(20, {}, 20000, 7);
  EXPECT_EQ(a, arrival_offsets(20, {}, 20000, 7));
  EXPECT_NE(a, arrival_offsets(20, {}, 20000, 8));
  EXPECT_EQ(a.front(), 0);
  EXPECT_NEAR(mean_rate(a), 20, 0.5);
  for (double shape : {0.25, 1.0, 4.0}) {
    const auto g = arrival_offsets(20, {ArrivalKind::gamma, shape}, 20000, 7);
    EXPECT_NEAR(mean_rate(g), 20, 0.6) << shape;
    // Gaps' coefficient of variation is 1/sqrt(shape): burstier below 1, steadier above.
    std::vector<double> gaps;
    for (std::size_t i = 1; i < g.size(); ++i) gaps.push_back(static_cast<double>(g[i] - g[i - 1]));
    EXPECT_NEAR(core::stddev(gaps) / core::mean(gaps), 1 / std::sqrt(shape), 0.06) << shape;
  }
}

TEST(SpeedPrompt, EveryRequestDiffersFromTheFirstWordUnlessThePrefixCacheIsAsked) {
  const PromptOptions fresh{1, false, 0};
  const auto a = build_prompt(fresh, 200, 0), b = build_prompt(fresh, 200, 1);
  EXPECT_EQ(a, build_prompt(fresh, 200, 0));
  EXPECT_NE(a.substr(0, 30), b.substr(0, 30));
  EXPECT_EQ(std::count(a.begin(), a.end(), ' '), 199);
  const PromptOptions cached{1, true, 0};
  EXPECT_EQ(build_prompt(cached, 200, 0), build_prompt(cached, 200, 5));
  const PromptOptions shared{1, false, 50};
  const auto s0 = build_prompt(shared, 200, 0), s1 = build_prompt(shared, 200, 1);
  const auto prefix = build_prompt(shared, 50, 0);
  EXPECT_EQ(s0.substr(0, prefix.size()), prefix);
  EXPECT_EQ(s1.substr(0, prefix.size()), prefix);
  EXPECT_NE(s0, s1);
}

TEST(SpeedPrompt, BodiesAskForTheLengthAndUsageInEachProtocol) {
  for (auto protocol : {wire::Protocol::openai_chat, wire::Protocol::anthropic_messages, wire::Protocol::openai_responses}) {
    const std::string body = request_body({protocol, "m", true, false}, "hello world", 77);
    EXPECT_EQ(wire::detect_protocol("/v1" + std::string(wire::request_path(protocol)), body), protocol);
    const auto info = wire::inspect_request(protocol, body);
    EXPECT_TRUE(info.stream);
    EXPECT_EQ(info.last_user_text, "hello world");
    if (protocol == wire::Protocol::openai_chat) EXPECT_TRUE(info.include_usage);
    // The simulated endpoint answers exactly the asked length.
    const auto c = sim::read_conversation(protocol, body);
    EXPECT_EQ(c.max_output_tokens, 77);
    for (std::size_t per_chunk : {1U, 3U}) {
      const auto reply = sim::load_reply(c, sim::default_script(), per_chunk);
      ASSERT_TRUE(reply);
      EXPECT_EQ(reply->turn.usage.output, 77);
      EXPECT_EQ(sim::output_tokens(reply->turn, per_chunk), 77);
    }
  }
}

TEST(SimLoad, OnlyToolFreeUnscriptedRequestsWithALengthGetFiller) {
  sim::Conversation c;
  c.max_output_tokens = 5;
  sim::Script task = sim::default_script();
  EXPECT_TRUE(sim::load_reply(c, task, 1));
  task.match = "fix the bug";
  EXPECT_FALSE(sim::load_reply(c, task, 1));
  c.tools.push_back({"shell", {}, false});
  EXPECT_FALSE(sim::load_reply(c, sim::default_script(), 1));
  c.tools.clear();
  c.max_output_tokens.reset();
  EXPECT_FALSE(sim::load_reply(c, sim::default_script(), 1));
  EXPECT_EQ(sim::filler_text(3), "the fox ran ");
}

}  // namespace
}  // namespace agentrace::speed
