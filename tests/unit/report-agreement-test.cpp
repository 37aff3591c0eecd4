// Agreement between two graders (core::agreement) against hand-computed cases, and how
// an undefined kappa is printed.
#include <gtest/gtest.h>

#include "core/stats.hpp"
#include "report/columns.hpp"

namespace agentrace {
namespace {

using Pairs = std::vector<std::pair<int, int>>;

TEST(Agreement, PerfectAgreementOverEveryGrade) {
  const auto a = core::agreement({{0, 0}, {1, 1}, {2, 2}, {3, 3}}, 4);
  EXPECT_EQ(a.n, 4u);
  EXPECT_DOUBLE_EQ(a.exact, 1.0);
  EXPECT_NEAR(*a.kappa, 1.0, 1e-12);
  EXPECT_NEAR(*a.weighted_kappa, 1.0, 1e-12);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(a.confusion[i][i], 1);
}

TEST(Agreement, UnweightedAndLinearWeightedDiffer) {
  // First 3 3 3 0 0 0, second 3 2 3 0 0 1. Confusion rows 0: [2 1 0 0], 3: [0 0 1 2].
  // po = 4/6; pe = (3/6)(2/6) + (3/6)(2/6) = 1/3 -> kappa = (2/3 - 1/3) / (2/3) = 1/2.
  // Linear weights 1, 2/3, 1/3, 0: po = (4 + 2/3 + 2/3) / 6 = 8/9; pe = (9 + 9) / 36 = 1/2
  // -> (8/9 - 1/2) / (1/2) = 7/9.
  const auto a = core::agreement({{3, 3}, {3, 2}, {3, 3}, {0, 0}, {0, 0}, {0, 1}}, 4);
  EXPECT_EQ(a.n, 6u);
  EXPECT_NEAR(a.exact, 4.0 / 6, 1e-12);
  EXPECT_NEAR(*a.kappa, 0.5, 1e-12);
  EXPECT_NEAR(*a.weighted_kappa, 7.0 / 9, 1e-12);
  EXPECT_EQ(a.confusion[0], (std::vector<int>{2, 1, 0, 0}));
  EXPECT_EQ(a.confusion[3], (std::vector<int>{0, 0, 1, 2}));
}

TEST(Agreement, OppositeGradesGiveMinusOne) {
  // po = 0, pe = 1/2 either way (weights of 0-3 are 0).
  const auto a = core::agreement({{0, 3}, {3, 0}}, 4);
  EXPECT_DOUBLE_EQ(a.exact, 0.0);
  EXPECT_NEAR(*a.kappa, -1.0, 1e-12);
  EXPECT_NEAR(*a.weighted_kappa, -1.0, 1e-12);
}

TEST(Agreement, AllOneGradeIsUndefinedNotNaN) {
  const auto a = core::agreement({{2, 2}, {2, 2}, {2, 2}}, 4);
  EXPECT_EQ(a.n, 3u);
  EXPECT_DOUBLE_EQ(a.exact, 1.0);
  EXPECT_FALSE(a.kappa);
  EXPECT_FALSE(a.weighted_kappa);
  EXPECT_EQ(report::kappa_text(a.kappa), "n/a");
}

TEST(Agreement, OneConstantGraderIsNoBetterThanChance) {
  // (2,2) (2,3): po 1/2, pe (2/2)(1/2) = 1/2 -> 0; weighted: po 5/6 = pe -> 0.
  const auto a = core::agreement({{2, 2}, {2, 3}}, 4);
  EXPECT_NEAR(*a.kappa, 0.0, 1e-12);
  EXPECT_NEAR(*a.weighted_kappa, 0.0, 1e-12);
}

TEST(Agreement, EmptyAndOutOfRange) {
  const auto none = core::agreement({}, 4);
  EXPECT_EQ(none.n, 0u);
  EXPECT_FALSE(none.kappa);
  EXPECT_EQ(none.confusion.size(), 4u);
  const auto some = core::agreement({{1, 1}, {4, 1}, {-1, 0}, {1, 2}}, 4);
  EXPECT_EQ(some.n, 2u);  // the pairs outside 0-3 are skipped
}

TEST(Agreement, ColumnsPrintNullAndNA) {
  report::SourceAgreement g{"judge", "human", core::agreement({{3, 3}}, 4)};
  for (const auto& c : report::agreement_columns()) {
    if (c.name == "kappa" || c.name == "weighted_kappa") {
      EXPECT_TRUE(c.value(g).is_null());
      EXPECT_EQ(c.text(g), "n/a");
    }
    if (c.name == "exact_match") EXPECT_EQ(c.text(g), "100%");
  }
  const auto t = report::confusion_table(g);
  EXPECT_EQ(t.headers.size(), 5u);
  EXPECT_EQ(t.cells[3], (std::vector<std::string>{"3 Complete", "0", "0", "0", "1"}));
}

}  // namespace
}  // namespace agentrace
