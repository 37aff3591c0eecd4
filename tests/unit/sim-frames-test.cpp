// src/sim/frames: a stream's chunks encoded once per turn shape and filled in per request
// are byte for byte what the encoder gives, in every protocol; a shape the fill cannot
// reproduce is encoded in full. And the pacing of a stream whose first token went late.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sim/frames.hpp"
#include "sim/profile.hpp"

namespace sim = agentrace::sim;
namespace wire = agentrace::wire;

namespace {

wire::AssistantTurn turn_of(const std::string& id, const std::string& model, const std::string& call_id,
                            std::int64_t input = 1200) {
  wire::AssistantTurn t;
  t.id = id;
  t.model = model;
  t.text = "Fixed the \"quoted\" newline in csv.py; the tests pass.";
  t.reasoning = "Look at the reader first.";
  t.tool_calls.push_back({call_id, "bash", R"({"command":"pytest -q tests/test_csv.py"})"});
  t.stop = wire::StopReason::tool_use;
  t.usage.input = input;
  t.usage.cached_input = 17;
  t.usage.output = 42;
  return t;
}

std::vector<std::string> encoded(wire::Protocol p, const wire::AssistantTurn& t, const wire::EncodeOptions& eo) {
  std::vector<std::string> out;
  for (auto& chunk : wire::encode_stream(p, t, eo)) out.push_back(std::move(chunk.bytes));
  return out;
}

}  // namespace

TEST(SimFrames, FilledChunksAreWhatTheEncoderGivesInEveryProtocol) {
  const wire::EncodeOptions eo{1, 4, true, 1700000000};
  for (const auto p : {wire::Protocol::openai_chat, wire::Protocol::anthropic_messages, wire::Protocol::openai_responses}) {
    SCOPED_TRACE(wire::protocol_name(p));
    sim::FrameCache cache;
    auto a = turn_of("chatcmpl-sim-00000000000000aa", "sim", "call_sim_000000aa_0");
    auto b = turn_of("chatcmpl-sim-123456789abcdef0", "org/model \"v2\"", "call_sim_12345678_0", 35);
    const auto frames = cache.get(p, a, eo);
    EXPECT_EQ(cache.get(p, b, eo), frames);  // one shape: one template
    a.timings = wire::ServerTimings{100.25, 990.5};
    b.timings = wire::ServerTimings{3.0, 1234.125};
    EXPECT_EQ(frames->frames(a), encoded(p, a, eo));
    EXPECT_EQ(frames->fill(b), encoded(p, b, eo));
    EXPECT_EQ(frames->frames(b), encoded(p, b, eo));
    std::size_t content = 0;
    for (const auto tokens : frames->tokens()) content += tokens > 0;
    EXPECT_GT(content, 10u);
    EXPECT_EQ(frames->tokens().size(), frames->fill(b).size());
  }
}

TEST(SimFrames, AShapeTheFillCannotReproduceIsEncodedInFull) {
  const wire::EncodeOptions eo{64, 4, true, 0};  // the whole text in one chunk
  const auto p = wire::Protocol::openai_chat;
  sim::FrameCache cache;
  auto a = turn_of("chatcmpl-sim-1", "sim", "call_1");
  a.text = "a model that says agentrace~sentinel~id~ verbatim";
  a.timings = wire::ServerTimings{1.5, 2.5};
  const auto frames = cache.get(p, a, eo);
  EXPECT_TRUE(frames->fill(a) != encoded(p, a, eo));  // the text's sentinel was taken for a hole
  EXPECT_TRUE(frames->frames(a) == encoded(p, a, eo));
  auto b = a;
  b.id = "chatcmpl-sim-2";
  EXPECT_TRUE(frames->frames(b) == encoded(p, b, eo));
  // Another shape (other output tokens) is another template.
  b.usage.output = 7;
  EXPECT_NE(cache.get(p, b, eo), frames);
}

TEST(SimPacer, ALateFirstTokenMovesTheRestButNeverBurstsToCatchUp) {
  // Pieces planned at 0 (role), 100 ms (first token), 110, 120 ms; the first token went
  // out at 130 ms.
  sim::Pacer pacer(1);
  EXPECT_EQ(pacer.due(0, 0), 0);
  pacer.sent(0, 0, 2'000'000);  // a late piece before the first token moves nothing
  EXPECT_EQ(pacer.due(1, 100'000'000), 100'000'000);
  pacer.sent(1, 100'000'000, 130'000'000);
  EXPECT_EQ(pacer.due(2, 110'000'000), 140'000'000);
  EXPECT_EQ(pacer.due(3, 120'000'000), 150'000'000);
  pacer.sent(2, 140'000'000, 149'000'000);  // later pieces' lateness is not carried on
  EXPECT_EQ(pacer.due(3, 120'000'000), 150'000'000);

  sim::Pacer early(1);
  early.sent(1, 100'000'000, 100'000'000);
  EXPECT_EQ(early.due(2, 110'000'000), 110'000'000);
  sim::Pacer none(sim::Pacer::kNone);  // a replay: the recorded offsets as they are
  none.sent(0, 0, 50'000'000);
  EXPECT_EQ(none.due(5, 10'000'000), 10'000'000);
}
