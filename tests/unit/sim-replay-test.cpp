// Cassettes: loading, grouping by conversation, answering in order, replay pacing.
#include <fstream>

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "proxy/cassette.hpp"
#include "sim/replay.hpp"
#include "support/test-support.hpp"

namespace proxy = agentrace::proxy;
namespace sim = agentrace::sim;

namespace {
std::vector<proxy::CassetteCall> sample() {
  return proxy::load_cassette(agentrace::test::data_dir() / "sim" / "cassette.jsonl");
}
}  // namespace

TEST(SimReplay, LoadsCalls) {
  const auto calls = sample();
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[0].conversation, "a");
  EXPECT_EQ(calls[0].match, "task alpha");
  EXPECT_EQ(calls[0].status, 200);
  EXPECT_EQ(calls[0].head_ns, 10'000'000);
  EXPECT_EQ(calls[0].headers.size(), 3u);
  EXPECT_EQ(calls[0].chunks.front().offset_ns, 50'000'000);
  EXPECT_TRUE(calls[0].chunks.back().data.starts_with("data: [DONE]"));
  EXPECT_EQ(calls[3].line, 4u);
}

TEST(SimReplay, RoundTripsThroughJsonLines) {
  agentrace::core::TempDir tmp("agentrace-cassette");
  const auto calls = sample();
  {
    std::ofstream out(tmp.path() / "c.jsonl");
    for (const auto& c : calls) out << proxy::to_json_line(c) << '\n';
  }
  const auto again = proxy::load_cassette(tmp.path() / "c.jsonl");
  ASSERT_EQ(again.size(), calls.size());
  for (std::size_t i = 0; i < calls.size(); ++i) {
    EXPECT_EQ(again[i].headers, calls[i].headers);
    ASSERT_EQ(again[i].chunks.size(), calls[i].chunks.size());
    for (std::size_t k = 0; k < calls[i].chunks.size(); ++k) EXPECT_EQ(again[i].chunks[k].data, calls[i].chunks[k].data);
  }
}

TEST(SimReplay, BytesThatAreNotUtf8RoundTripAsBase64) {
  agentrace::core::TempDir tmp("agentrace-cassette");
  proxy::CassetteCall call;
  call.chunks = {{1, "data: caf\xC3"}, {2, "\xA9\n\n"}, {3, std::string("\0\xFF\x01", 3)}, {4, "plain"}};
  {
    proxy::CassetteFile file(tmp.path() / "c.jsonl");
    file.append(call);
  }
  const std::string line = agentrace::core::read_file(tmp.path() / "c.jsonl");
  EXPECT_NE(line.find(R"("data_b64":"ZGF0YTogY2Fmww==")"), std::string::npos) << line;
  EXPECT_NE(line.find(R"("data":"plain")"), std::string::npos) << line;
  const auto again = proxy::load_cassette(tmp.path() / "c.jsonl");
  ASSERT_EQ(again.size(), 1u);
  ASSERT_EQ(again[0].chunks.size(), 4u);
  for (std::size_t k = 0; k < 4; ++k) EXPECT_EQ(again[0].chunks[k].data, call.chunks[k].data) << k;
}

TEST(SimReplay, BadLinesNameTheLine) {
  agentrace::core::TempDir tmp("agentrace-cassette");
  agentrace::core::write_file(tmp.path() / "bad.jsonl", "{\"status\":200,\"chunks\":[]}\n{\"status\":\"x\"}\n");
  try {
    proxy::load_cassette(tmp.path() / "bad.jsonl");
    FAIL();
  } catch (const agentrace::core::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.jsonl:2:"), std::string::npos) << e.what();
  }
  agentrace::core::write_file(tmp.path() / "empty.jsonl", "\n");
  EXPECT_THROW(proxy::load_cassette(tmp.path() / "empty.jsonl"), agentrace::core::UsageError);
  EXPECT_THROW(proxy::load_cassette(tmp.path() / "none.jsonl"), agentrace::core::UsageError);
}

TEST(SimReplay, AnswersEachConversationInOrder) {
  sim::Replayer r(sample());
  const auto* b1 = r.next({"context", "do task beta now"});
  const auto* a1 = r.next({"task alpha please"});
  const auto* a2 = r.next({"task alpha please"});
  const auto* b2 = r.next({"task beta"});
  ASSERT_TRUE(a1 && a2 && b1 && b2);
  EXPECT_EQ(a1->line, 1u);
  EXPECT_EQ(a2->line, 3u);
  EXPECT_EQ(b1->line, 2u);
  EXPECT_EQ(b2->line, 4u);
  EXPECT_EQ(r.next({"task alpha"}), nullptr);  // used up
  EXPECT_EQ(r.next({"unknown"}), nullptr);     // falls to the first conversation: used up too
}

TEST(SimReplay, UnmatchedRequestsGoToTheFirstConversation) {
  sim::Replayer r(sample());
  const auto* first = r.next({"no match here"});
  ASSERT_TRUE(first);
  EXPECT_EQ(first->conversation, "a");
}

TEST(SimReplay, Pacing) {
  EXPECT_EQ(sim::parse_replay_timing("recorded").apply(1000), 1000);
  EXPECT_EQ(sim::parse_replay_timing("zero").apply(1000), 0);
  EXPECT_EQ(sim::parse_replay_timing("scaled:0.5").apply(1000), 500);
  EXPECT_EQ(sim::parse_replay_timing("scaled:2").apply(1000), 2000);
  EXPECT_THROW(sim::parse_replay_timing("scaled:0"), agentrace::core::UsageError);
  EXPECT_THROW(sim::parse_replay_timing("scaled:x"), agentrace::core::UsageError);
  EXPECT_THROW(sim::parse_replay_timing("fast"), agentrace::core::UsageError);
}
