// The test runners' report parsers, on output captured from the real tools on this machine
// (tests/data/runners/: pytest 7.2, python 3.11 unittest, go 1.19, node 20 --test, mocha,
// jest 30, ctest 3.25), and the outcome of each listed id.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "core/fs.hpp"
#include "grade/offline.hpp"
#include "grade/runner.hpp"
#include "support/test-support.hpp"

namespace agentrace::grade {
namespace {

using suite::Runner;

std::string sample(const std::string& name) { return core::read_file(test::data_dir() / "runners" / name); }

// id -> status word, for compact comparisons.
std::map<std::string, std::string> statuses(const std::vector<CaseResult>& cases) {
  static const char* words[] = {"passed", "failed", "skipped", "error"};
  std::map<std::string, std::string> out;
  for (const auto& c : cases) out[c.id] = words[static_cast<int>(c.status)];
  return out;
}

using Expect = std::map<std::string, std::string>;

TEST(RunnerParsers, PytestJunit) {
  const auto cases = parse_junit(sample("pytest.xml"));
  EXPECT_EQ(statuses(cases), (Expect{{"tests.test_demo.test_pass", "passed"},
                                     {"tests.test_demo.test_fail", "failed"},
                                     {"tests.test_demo.test_skip", "skipped"},
                                     {"tests.test_demo.test_param[1]", "passed"},
                                     {"tests.test_demo.test_param[2]", "failed"},
                                     {"tests.test_demo.TestGroup.test_in_class", "passed"},
                                     {"tests.test_demo.test_error", "error"}}));
  EXPECT_NE(cases[1].message.find("math is broken"), std::string::npos);
}

TEST(RunnerParsers, CtestJunit) {
  EXPECT_EQ(statuses(parse_junit(sample("ctest.xml"))),
            (Expect{{"passes", "passed"}, {"fails", "failed"}, {"needs skip", "skipped"}, {"missing", "skipped"}}));
}

TEST(RunnerParsers, Unittest) {
  const auto cases = parse_unittest(sample("unittest.log"));
  EXPECT_EQ(statuses(cases), (Expect{{"tests.test_unit.Parser.test_bad", "failed"},
                                     {"tests.test_unit.Parser.test_docstring", "passed"},
                                     {"tests.test_unit.Parser.test_expected", "passed"},
                                     {"tests.test_unit.Parser.test_ok", "passed"},
                                     {"tests.test_unit.Parser.test_raises", "error"},
                                     {"tests.test_unit.Parser.test_skipped", "skipped"},
                                     {"unittest.loader._FailedTest.test_missing", "error"}}));
}

TEST(RunnerParsers, UnittestBefore311AndOutputBeforeTheResult) {
  const auto cases = parse_unittest("test_a (pkg.mod.Case) ... some warning\nok\ntest_b (pkg.mod.Case) ... FAIL\n");
  EXPECT_EQ(statuses(cases), (Expect{{"pkg.mod.Case.test_a", "passed"}, {"pkg.mod.Case.test_b", "failed"}}));
}

TEST(RunnerParsers, GoTestJson) {
  const auto cases = parse_go_json(sample("go-test.jsonl"));
  EXPECT_EQ(statuses(cases), (Expect{{"TestPass", "passed"},
                                     {"TestFail", "failed"},
                                     {"TestSkip", "skipped"},
                                     {"TestSub", "failed"},
                                     {"TestSub/good", "passed"},
                                     {"TestSub/bad_case", "failed"},
                                     {"TestOther", "passed"}}));
  for (const auto& c : cases)
    if (c.id == "TestFail") EXPECT_NE(c.message.find("wrong answer"), std::string::npos);
}

TEST(RunnerParsers, NodeTestTap) {
  const auto cases = parse_tap(sample("node.tap"));
  EXPECT_EQ(statuses(cases), (Expect{{"adds numbers", "passed"},
                                     {"fails loudly", "failed"},
                                     {"skipped one", "skipped"},
                                     {"todo one", "skipped"},
                                     {"parser > handles crlf", "passed"},
                                     {"parser > handles # hash", "failed"},
                                     {"parser", "failed"}}));
  EXPECT_GT(cases[0].seconds, 0);
  EXPECT_EQ(cases[5].message, "'nope'");
}

TEST(RunnerParsers, PlainTap) {
  EXPECT_EQ(statuses(parse_tap("1..3\nok 1 - first\nnot ok 2 second\nok 3 - third # skip no db\nnot ok\n")),
            (Expect{{"first", "passed"}, {"second", "failed"}, {"third", "skipped"}, {"", "failed"}}));
}

// jest and mocha ran the same describe/it file (test/demo.test.js).
const Expect kJsCases = {{"parser handles crlf", "passed"},
                         {"parser handles tabs", "failed"},
                         {"parser handles later", "skipped"},
                         {"parser nested deep case", "passed"},
                         {"top level", "passed"}};

TEST(RunnerParsers, Jest) { EXPECT_EQ(statuses(parse_jest_json(sample("jest.json"))), kJsCases); }

TEST(RunnerParsers, Mocha) { EXPECT_EQ(statuses(parse_mocha_json(sample("mocha.json"))), kJsCases); }

TEST(RunnerParsers, HostileInputYieldsNothingOrWhatIsThere) {
  EXPECT_TRUE(parse_junit(std::string(200000, '<')).empty());
  std::string deep;
  for (int i = 0; i < 5000; ++i) deep += "<a>";
  EXPECT_TRUE(parse_junit(deep + "<testcase name=\"x\"/>").empty());
  EXPECT_TRUE(parse_jest_json(std::string(100000, '[')).empty());
  EXPECT_TRUE(parse_mocha_json("{\"passes\": 3}").empty());
  EXPECT_TRUE(parse_go_json("{\"Action\":\"pass\"}\nnot json\n").empty());
  EXPECT_TRUE(parse_tap(std::string(100000, ' ')).empty());
}

store::TestOutcome run_outcome(int exit_code, bool timed_out) {
  store::TestOutcome run;
  run.exit_code = exit_code;
  run.timed_out = timed_out;
  run.output_tail = "Traceback: ImportError";
  return run;
}

TEST(RunnerOutcomes, PytestIdsMapToJunitCases) {
  const auto cases = parse_junit(sample("pytest.xml"));
  const std::vector<std::string> ids = {"tests/test_demo.py::test_pass", "tests/test_demo.py::TestGroup::test_in_class",
                                        "tests/test_demo.py::test_param[2]", "tests/test_demo.py::test_skip",
                                        "tests/test_demo.py::test_gone"};
  const auto out = outcomes_for_ids(Runner::pytest, "fail_to_pass", ids, cases, run_outcome(1, false));
  ASSERT_EQ(out.size(), 5u);
  EXPECT_TRUE(out[0].passed);
  EXPECT_TRUE(out[1].passed);
  EXPECT_FALSE(out[2].passed);
  EXPECT_EQ(out[2].output_tail, "failed: assert 2 == 1");
  EXPECT_FALSE(out[3].passed);
  EXPECT_EQ(out[3].output_tail, "skipped: not today");
  EXPECT_FALSE(out[4].passed);
  EXPECT_EQ(out[4].output_tail.rfind("not run: the run's report does not list this test\n", 0), 0u);
  EXPECT_NE(out[4].output_tail.find("ImportError"), std::string::npos);
  for (const auto& o : out) EXPECT_EQ(o.tier, "fail_to_pass");
}

// A test program that exits 0 before its tests ran reports no ids: they fail.
TEST(RunnerOutcomes, AnEarlyExitReportsNothing) {
  const auto out = outcomes_for_ids(Runner::go_test, "fail_to_pass", {"TestPass"}, {}, run_outcome(0, false));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(out[0].passed);
  const auto timed = outcomes_for_ids(Runner::go_test, "strict", {"TestPass"}, {}, run_outcome(-1, true));
  EXPECT_NE(timed[0].output_tail.find("(the run timed out)"), std::string::npos);
  EXPECT_TRUE(timed[0].timed_out);
}

// The full id wins over the short name; a short name matching two cases needs both to pass.
TEST(RunnerOutcomes, FullIdsFirstThenShortNames) {
  const auto cases = parse_jest_json(sample("jest.json"));
  const auto out = outcomes_for_ids(Runner::jest, "pass_to_pass", {"parser handles crlf", "deep case", "handles tabs"},
                                    cases, run_outcome(1, false));
  EXPECT_TRUE(out[0].passed);
  EXPECT_TRUE(out[1].passed);
  EXPECT_FALSE(out[2].passed);
  const std::vector<CaseResult> twice = {{"a.x", "x", CaseStatus::passed, 0, ""}, {"b.x", "x", CaseStatus::failed, 0, ""}};
  EXPECT_FALSE(outcomes_for_ids(Runner::junit, "strict", {"x"}, twice, run_outcome(1, false))[0].passed);
  EXPECT_TRUE(outcomes_for_ids(Runner::junit, "strict", {"a.x"}, twice, run_outcome(1, false))[0].passed);
}

TEST(RunnerPlans, DefaultCommandsQuoteIdsAndTheReport) {
  suite::TestCommand tc;
  tc.runner = Runner::pytest;
  auto plan = plan_run(tc, {"tests/a b.py::test_x", "tests/a b.py::test_y", "tests/c.py::t"}, "/home/agent/r");
  EXPECT_EQ(plan.cmd, "python3 -m pytest -p no:cacheprovider -q --junitxml='/home/agent/r' 'tests/a b.py' 'tests/c.py'");
  EXPECT_FALSE(plan.report_is_output);
  tc.runner = Runner::unittest;
  plan = plan_run(tc, {"m.C.test_it's"}, "/r");
  EXPECT_EQ(plan.cmd, "python3 -m unittest -v 'm.C.test_it'\\''s'");
  EXPECT_TRUE(plan.report_is_output);
  tc.runner = Runner::junit;
  tc.cmd = "make check";
  tc.report = "build/results.xml";
  EXPECT_FALSE(plan_run(tc, {"x"}, "/r").report_is_output);
  tc.runner = Runner::tap;
  tc.report.clear();
  tc.cmd = "prove -v t/";
  EXPECT_TRUE(plan_run(tc, {"x"}, "/r").report_is_output);
}

// Output captured under `bwrap --unshare-net` on this machine.
TEST(OfflineGrading, NetworkFailuresAreNamed) {
  EXPECT_EQ(network_symptom("npm error errno EAI_AGAIN\nnpm error request to https://registry.npmjs.org/is-odd failed, "
                            "reason: getaddrinfo EAI_AGAIN registry.npmjs.org\n"),
            "EAI_AGAIN");
  EXPECT_EQ(network_symptom("curl: (6) Could not resolve host: registry.npmjs.org\n"), "Could not resolve host");
  EXPECT_EQ(network_symptom("fatal: unable to access 'https://github.com/x/y.git/': Could not resolve host: github.com"),
            "Could not resolve host");
  EXPECT_EQ(network_symptom("go: golang.org/x/text@v0.3.0: Get \"https://proxy.golang.org/golang.org/x/text/@v/v0.3.0.info\": "
                            "dial tcp: lookup proxy.golang.org on 10.255.255.53:53: dial udp 10.255.255.53:53: connect: "
                            "network is unreachable"),
            "network is unreachable");
  EXPECT_EQ(network_symptom("AssertionError: 2 != 3"), std::nullopt);
}

TEST(OfflineGrading, TheFirstFailedStepWithSuchOutputIsNamed) {
  store::TestOutcome ok, failed, offline;
  ok.passed = true;
  ok.output_tail = "getaddrinfo ENOTFOUND (but it passed)";
  failed.tier = "fail_to_pass";
  failed.name = "unit";
  failed.output_tail = "AssertionError";
  offline.tier = "setup";
  offline.name = "setup";
  offline.output_tail = "npm error getaddrinfo ENOTFOUND registry.npmjs.org";
  EXPECT_EQ(offline_note({ok, failed}), "");
  EXPECT_EQ(offline_note({ok, failed, offline}),
            "setup 'setup' failed as a missing network does (\"ENOTFOUND\"): grading is offline, so what the tests "
            "download belongs in [environment] setup");
}

// Harbor's verifier writes a reward, not a report: reward.txt (one number) or reward.json.
TEST(RewardRunner, ReadsANumberOrAnObjectOfNumbersAndNothingElse) {
  EXPECT_EQ(parse_reward("1\n"), (std::map<std::string, double>{{"reward", 1}}));
  EXPECT_EQ(parse_reward("  0.75 "), (std::map<std::string, double>{{"reward", 0.75}}));
  EXPECT_EQ(parse_reward(R"({"reward": 0.5, "accuracy": 1, "note": "x", "nested": {"a": 1}})"),
            (std::map<std::string, double>{{"accuracy", 1}, {"reward", 0.5}}));
  for (const char* bad : {"", "yes", "1 2", "nan", "inf", "[1]", "{", "1e999"}) EXPECT_TRUE(parse_reward(bad).empty()) << bad;
}

TEST(RewardRunner, EachIdIsAConditionAndAMissingRewardIsNotRun) {
  store::TestOutcome run;
  run.exit_code = 0;
  run.output_tail = "verifier output";
  const std::vector<std::string> ids = {"reward>0", "reward>=1"};
  auto passed = [](const std::vector<store::TestOutcome>& out) {
    std::vector<bool> p;
    for (const auto& o : out) p.push_back(o.passed);
    return p;
  };
  EXPECT_EQ(passed(reward_outcomes("fail_to_pass", ids, {{"reward", 1}}, "", run)), (std::vector<bool>{true, true}));
  const auto half = reward_outcomes("fail_to_pass", ids, {{"reward", 0.5}}, "", run);
  EXPECT_EQ(passed(half), (std::vector<bool>{true, false}));
  EXPECT_EQ(half[1].output_tail, "reward = 0.5");
  const auto none = reward_outcomes("fail_to_pass", ids, {}, "the verifier wrote no reward", run);
  EXPECT_EQ(passed(none), (std::vector<bool>{false, false}));
  EXPECT_EQ(none[0].output_tail.rfind("not run: the verifier wrote no reward", 0), 0u) << none[0].output_tail;
  const auto other = reward_outcomes("fail_to_pass", {"accuracy=1"}, {{"reward", 1}}, "", run);
  EXPECT_NE(other[0].output_tail.find("the reward file has no 'accuracy'"), std::string::npos);
}

}  // namespace
}  // namespace agentrace::grade
