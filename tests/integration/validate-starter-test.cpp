// CI runs `agentrace validate` on the bundled starter suite: every task's shipped fix
// must grade Complete and an unchanged tree Miss.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "support/test-support.hpp"

namespace agentrace {
namespace {

TEST(StarterSuite, Validates) {
  const auto r = test::run_command(fmt::format("{} validate {}", test::binary().string(),
                                               (test::source_dir() / "suites" / "starter").string()));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("hold (oracle Complete, nop Miss)"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace agentrace
