// Where a sharded race's attempts ran, and its speed-up: wall-clock vs attempt time.
#include <gtest/gtest.h>

#include "report/placement.hpp"

namespace agentrace::report {
namespace {

store::AttemptRecord ran(const std::string& host, const std::string& job, const std::string& start, const std::string& end) {
  store::AttemptRecord a;
  a.state = store::AttemptState::done;
  a.host = host;
  a.job = job;
  a.started_at = "2026-12-06T05:" + start + "Z";
  a.ended_at = "2026-12-06T05:" + end + "Z";
  return a;
}

TEST(Placement, ShardedRaceSaysWhereAndTheSpeedUp) {
  auto unfinished = ran("n1", "7_0", "00:00.000", "59:00.000");
  unfinished.state = store::AttemptState::running;
  const auto p = placement({ran("n1", "7_0", "00:00.000", "00:10.000"), ran("n1", "7_0", "00:10.000", "00:20.000"),
                            ran("n2", "7_1", "00:00.500", "00:20.500"), unfinished});
  ASSERT_EQ(p.places.size(), 2u);
  EXPECT_EQ(p.places[0].job, "7_0");
  EXPECT_EQ(p.places[0].attempts, 2);
  EXPECT_DOUBLE_EQ(p.wall_s, 20.5);
  EXPECT_DOUBLE_EQ(p.attempt_s, 40.0);
  const auto md = placement_section(p);
  EXPECT_NE(md.find("| n2   | 7_1 |"), std::string::npos) << md;
  EXPECT_NE(md.find("speed-up 1.95x"), std::string::npos) << md;
  EXPECT_DOUBLE_EQ(placement_json(p)["speedup"].get<double>(), 40.0 / 20.5);
}

TEST(Placement, ARaceOnOneMachineWithoutAJobLeavesItOut) {
  const auto p = placement({ran("n1", "", "00:00.000", "00:10.000"), ran("n1", "", "00:05.000", "00:15.000")});
  EXPECT_TRUE(p.places.empty());
  EXPECT_EQ(placement_section(p), "");
  EXPECT_TRUE(placement_json(p).is_null());
}

}  // namespace
}  // namespace agentrace::report
