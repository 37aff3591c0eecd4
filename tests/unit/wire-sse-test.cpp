#include <gtest/gtest.h>

#include "wire-helpers.hpp"
#include "wire/sse.hpp"

namespace agentrace::wire {
namespace {

using test::read_capture;
using namespace std::string_literals;

std::vector<SseEvent> parse_pieces(const std::vector<std::string_view>& pieces) {
  SseParser parser;
  std::vector<SseEvent> out;
  for (std::string_view piece : pieces) {
    for (auto& e : parser.feed(piece)) out.push_back(std::move(e));
  }
  for (auto& e : parser.finish()) out.push_back(std::move(e));
  return out;
}

std::vector<SseEvent> parse(std::string_view bytes) { return parse_pieces({bytes}); }

const std::vector<std::string> captures = {
    "openai-chat-vllm-tools.sse", "openai-chat-llamacpp-timings.sse", "anthropic-claude-tools.sse",
    "anthropic-error-after-200.sse", "openai-responses-codex.sse"};

TEST(WireSse, ReadsEventDataAndId) {
  const std::string bytes = "event: add\ndata: {\"x\":1}\nid: 7\n\n";
  const auto events = parse(bytes);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0], (SseEvent{"add", "{\"x\":1}", "7", bytes.size()}));
}

TEST(WireSse, FieldsWithoutSpaceAfterColon) {
  const auto events = parse("event:a\ndata:x\ndata: y\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event, "a");
  EXPECT_EQ(events[0].data, "x\ny");
}

TEST(WireSse, OnlyOneLeadingSpaceIsRemoved) {
  const auto events = parse("data:  two spaces \n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, " two spaces ");
}

TEST(WireSse, JoinsDataLinesAndKeepsEmptyOnes) {
  const auto events = parse("data: a\ndata\ndata: b\ndata:\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "a\n\nb\n");
}

TEST(WireSse, IgnoresCommentsUnknownFieldsAndEventsWithoutData) {
  const auto events = parse(": keep-alive\n\nevent: ping\n\nfoo: bar\n:x\ndata: 1\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event, "");
  EXPECT_EQ(events[0].data, "1");
}

TEST(WireSse, EventNameDoesNotLeakIntoTheNextEvent) {
  const auto events = parse("event: a\ndata: 1\n\ndata: 2\n\n");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].event, "");
}

TEST(WireSse, IdPersistsAcrossEventsAndRejectsNul) {
  const auto events = parse("id: 1\ndata: a\n\ndata: b\n\nid: x\0y\ndata: c\n\n"s);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].id, "1");
  EXPECT_EQ(events[1].id, "1");
  EXPECT_EQ(events[2].id, "1");
}

TEST(WireSse, RetryTakesOnlyDigits) {
  SseParser parser;
  parser.feed("retry: 3000\n\nretry: soon\n\n");
  EXPECT_EQ(parser.retry_ms(), 3000);
}

TEST(WireSse, StripsLeadingByteOrderMark) {
  const auto events = parse_pieces({"\xEF", "\xBB", "\xBF" "data: a\n\n"});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "a");
}

TEST(WireSse, AllThreeLineEndingsGiveTheSameEvents) {
  const std::string lf = "event: e\ndata: a\ndata: b\n\ndata: c\n\n";
  for (const std::string& bytes : {test::to_crlf(lf), test::to_cr(lf)}) {
    const auto events = parse(bytes);
    ASSERT_EQ(events.size(), 2u) << bytes;
    EXPECT_EQ(events[0].event, "e");
    EXPECT_EQ(events[0].data, "a\nb");
    EXPECT_EQ(events[1].data, "c");
  }
}

TEST(WireSse, CrLfSplitBetweenCrAndLfIsOneLineEnd) {
  const auto events = parse_pieces({"data: a\r", "\n", "data: b\r", "\n\r", "\n"});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "a\nb");
}

TEST(WireSse, EventIsReturnedByTheFeedThatCompletesIt) {
  SseParser parser;
  EXPECT_TRUE(parser.feed("data: a\n").empty());
  const auto events = parser.feed("\ndata: b");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].end_offset, 9u);
  EXPECT_EQ(parser.offset(), 16u);
}

TEST(WireSse, CrLfEventEndsAtTheBlankLinesCarriageReturn) {
  const auto events = parse("data: a\r\n\r\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].end_offset, 10u);
}

TEST(WireSse, FinishFlushesAnEventWithoutItsBlankLine) {
  EXPECT_EQ(parse("data: tail").size(), 1u);
  EXPECT_EQ(parse("data: tail\n").at(0).data, "tail");
  EXPECT_EQ(parse("data: tail\r").at(0).end_offset, 11u);
  EXPECT_TRUE(parse("event: x\n").empty());
}

TEST(WireSse, CapturesGiveTheSameEventsAtEverySplit) {
  for (const std::string& name : captures) {
    for (const std::string& bytes : {read_capture(name), test::to_crlf(read_capture(name))}) {
      const auto whole = parse(bytes);
      ASSERT_GT(whole.size(), 3u) << name;
      for (std::size_t k = 0; k <= bytes.size(); ++k) {
        ASSERT_EQ(parse_pieces({std::string_view(bytes).substr(0, k), std::string_view(bytes).substr(k)}), whole)
            << name << " split at " << k;
      }
      EXPECT_EQ(parse_pieces(test::one_byte_pieces(bytes)), whole) << name;
    }
  }
}

TEST(WireSse, CapturesKeepTheirDataAcrossLineEndings) {
  for (const std::string& name : captures) {
    const auto lf = parse(read_capture(name));
    const auto crlf = parse(test::to_crlf(read_capture(name)));
    ASSERT_EQ(lf.size(), crlf.size()) << name;
    for (std::size_t i = 0; i < lf.size(); ++i) {
      EXPECT_EQ(lf[i].data, crlf[i].data);
      EXPECT_EQ(lf[i].event, crlf[i].event);
    }
  }
}

TEST(WireSse, FiveMegabyteDataLineInSmallPieces) {
  const std::string payload(5 * 1024 * 1024, 'x');
  const std::string bytes = "event: big\ndata: " + payload + "\n\ndata: after\n\n";
  for (std::size_t piece : {std::size_t{1}, std::size_t{7}, std::size_t{65536}}) {
    SseParser parser;
    std::vector<SseEvent> events;
    for (std::size_t i = 0; i < bytes.size(); i += piece) {
      for (auto& e : parser.feed(std::string_view(bytes).substr(i, piece))) events.push_back(std::move(e));
    }
    ASSERT_EQ(events.size(), 2u) << piece;
    EXPECT_EQ(events[0].data.size(), payload.size());
    EXPECT_EQ(events[0].event, "big");
    EXPECT_EQ(events[1].data, "after");
  }
}

TEST(WireSse, EncodesOneEvent) {
  EXPECT_EQ(encode_sse("message_stop", "{\"type\":\"message_stop\"}"),
            "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
  EXPECT_EQ(encode_sse("", "[DONE]"), "data: [DONE]\n\n");
  EXPECT_EQ(encode_sse("", "a\nb\r\nc"), "data: a\ndata: b\ndata: c\n\n");
}

TEST(WireSse, EncodedEventsParseBack) {
  for (const std::string data : {"", " lead", "x\n\ny", "trail\n", ":colon"}) {
    const auto events = parse(encode_sse("name", data));
    ASSERT_EQ(events.size(), 1u) << data;
    EXPECT_EQ(events[0].data, data);
    EXPECT_EQ(events[0].event, "name");
  }
}

}  // namespace
}  // namespace agentrace::wire
