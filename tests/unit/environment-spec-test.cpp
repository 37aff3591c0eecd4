// `[environment]` and a suite's environment.toml: what loads, what is refused (file:line:col
// and the field), and what the content key follows.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "suite/task.hpp"
#include "support/test-support.hpp"

namespace agentrace::suite {
namespace {

namespace fs = std::filesystem;

const fs::path kFixture = test::data_dir() / "specs" / "suite-good" / "demo-task";

class EnvironmentSpec : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::copy(kFixture, dir(), fs::copy_options::recursive);
    core::write_file(dir() / "deps" / "lib.tgz", "bytes");
    fs::create_directories(tmp_.path() / "venv");
  }
  fs::path suite() const { return tmp_.path(); }
  fs::path dir() const { return tmp_.path() / "demo-task"; }
  Task load_with(const std::string& environment) {
    core::write_file(dir() / "task.toml", core::read_file(kFixture / "task.toml") + "\n[environment]\n" + environment);
    return load_task(dir());
  }
  std::string error_with(const std::string& environment) {
    try {
      load_with(environment);
    } catch (const core::UsageError& e) {
      return e.what();
    }
    return "(loaded)";
  }
  core::TempDir tmp_{"agentrace-env-spec"};
};

TEST_F(EnvironmentSpec, LoadsEveryField) {
  const auto t = load_with(fmt::format(R"(setup = "npm install ./deps/lib.tgz"
setup_timeout_seconds = 30
files = ["deps/lib.tgz"]
mounts = [{{ host = "{}", at = "/opt/venv" }}]
path = ["{{env}}/node_modules/.bin", "/opt/venv/bin"]
env = {{ NODE_PATH = "{{env}}/node_modules" }}
)", (suite() / "venv").string()));
  ASSERT_TRUE(t.environment);
  const auto& e = *t.environment;
  EXPECT_EQ(e.setup, "npm install ./deps/lib.tgz");
  EXPECT_EQ(e.setup_timeout_s, 30);
  ASSERT_EQ(e.files.size(), 1u);
  EXPECT_EQ(e.files[0], "deps/lib.tgz");
  ASSERT_EQ(e.mounts.size(), 1u);
  EXPECT_EQ(e.mounts[0].at, "/opt/venv");
  EXPECT_EQ(e.path.size(), 2u);
  EXPECT_EQ(e.env.at("NODE_PATH"), "{env}/node_modules");
  EXPECT_EQ(e.key.size(), 16u);
}

TEST_F(EnvironmentSpec, RefusesWhatWouldBreakTheSandboxOrLeaveTheFolder) {
  const auto venv = (suite() / "venv").string();
  EXPECT_NE(error_with("files = [\"../x\"]").find("'environment.files' entry \"../x\" must be a path inside"),
            std::string::npos);
  EXPECT_NE(error_with("files = [\"nope.tgz\"]").find("nope.tgz does not exist"), std::string::npos);
  EXPECT_NE(error_with("mounts = [{ host = \"/no/such/venv\", at = \"/opt/v\" }]").find("does not exist on this machine"),
            std::string::npos);
  for (const char* at : {"/usr/lib/jvm", "/workspace/x", "/env", "relative", "/opt/../etc", "/"}) {
    const auto err = error_with(fmt::format("mounts = [{{ host = \"{}\", at = \"{}\" }}]", venv, at));
    EXPECT_NE(err.find("task.toml:"), std::string::npos) << at << ": " << err;
    EXPECT_NE(err.find("must be an absolute path outside the sandbox's own folders"), std::string::npos) << at << err;
  }
  EXPECT_NE(error_with("path = [\"a:b\"]").find("must be one absolute folder"), std::string::npos);
  EXPECT_NE(error_with("env = { PATH = \"/x\" }").find("PATH goes in 'path'"), std::string::npos);
  EXPECT_NE(error_with("image = \"deps\"").find("is neither an OCI image layout"), std::string::npos);
}

// Harbor's layout (docs/task-format.md, "Rewards"): the workspace at /app, the verifier
// at /tests, its reward under a writable /logs/verifier.
TEST_F(EnvironmentSpec, AWorkdirHiddenTestsAtAPathLogsAndARewardRunnerLoad) {
  auto toml = core::read_file(kFixture / "task.toml");
  toml.replace(toml.find("dir = \"hidden\""), 15, "dir = \"hidden\"\nat = \"/tests\"");
  toml.replace(toml.find("timeout_seconds = 60"), 20, "timeout_seconds = 60\nlogs = \"/logs/verifier\"");
  toml.replace(toml.find("[[tests.strict]]"), 16,
               "[[tests.fail_to_pass]]\nname = \"verifier\"\nrunner = \"reward\"\ncmd = \"bash /tests/test.sh\"\n"
               "ids = [\"reward>0\", \"reward >= 1\", \"accuracy=0.5\"]\n\n[[tests.strict]]");
  core::write_file(dir() / "task.toml", toml + "\n[environment]\nworkdir = \"/app\"\n");
  const auto t = load_task(dir());
  EXPECT_EQ(t.hidden_at, fs::path("/tests"));
  EXPECT_EQ(t.logs, fs::path("/logs/verifier"));
  ASSERT_TRUE(t.environment);
  EXPECT_EQ(t.environment->workdir, fs::path("/app"));
  const auto& reward = t.tests.at(2);
  EXPECT_EQ(reward.runner, Runner::reward);
  const auto check = parse_reward_check(reward.ids.at(1));
  ASSERT_TRUE(check);
  EXPECT_EQ(check->key, "reward");
  EXPECT_EQ(check->op, ">=");
  EXPECT_TRUE(check->holds(1) && !check->holds(0.99));
  EXPECT_TRUE(parse_reward_check("accuracy=0.5")->holds(0.5));
  EXPECT_TRUE(parse_reward_check("reward>0")->holds(0.5) && !parse_reward_check("reward>0")->holds(0));
  for (const char* bad : {"reward", "reward>>1", "reward>x", ">1", "reward<1"}) EXPECT_FALSE(parse_reward_check(bad)) << bad;
}

TEST_F(EnvironmentSpec, HarborPathsThatWouldBreakTheSandboxAreRefused) {
  for (const char* at : {"/workspace", "/usr/x", "relative", "/"}) {
    const auto err = error_with(fmt::format("workdir = \"{}\"", at));
    EXPECT_NE(err.find("'environment.workdir' = \""), std::string::npos) << at << ": " << err;
  }
  auto with = [&](const std::string& from, const std::string& to) {
    auto toml = core::read_file(kFixture / "task.toml");
    toml.replace(toml.find(from), from.size(), to);
    core::write_file(dir() / "task.toml", toml);
    try {
      load_task(dir());
    } catch (const core::UsageError& e) {
      return std::string(e.what());
    }
    return std::string("(loaded)");
  };
  EXPECT_NE(with("dir = \"hidden\"", "dir = \"hidden\"\nat = \"/home/x\"").find("'hidden_tests.at' = \"/home/x\" must be"),
            std::string::npos);
  EXPECT_NE(with("timeout_seconds = 60", "timeout_seconds = 60\nlogs = \"/tmp/l\"").find("'tests.logs' = \"/tmp/l\" must be"),
            std::string::npos);
  EXPECT_EQ(with("agent_seconds = 600", "agent_seconds = 600\n[environment]\nworkdir = \"/app\""), "(loaded)");
  auto overlap = core::read_file(kFixture / "task.toml") + "\n[environment]\nworkdir = \"/app\"\n";
  overlap.replace(overlap.find("dir = \"hidden\""), 15, "dir = \"hidden\"\nat = \"/app/tests\"");
  core::write_file(dir() / "task.toml", overlap);
  EXPECT_THROW(
      try { load_task(dir()); } catch (const core::UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("'hidden_tests.at' = \"/app/tests\" overlaps 'environment.workdir' = \"/app\""),
                  std::string::npos) << e.what();
        throw;
      },
      core::UsageError);
  const std::string entry = "[[tests.strict]]\nname = \"v\"\nrunner = \"reward\"\ncmd = \"true\"\nids = [\"reward>0\"]\n";
  EXPECT_NE(with("[[tests.strict]]\nname = \"strict one\"", entry + "\n[[tests.strict]]\nname = \"strict one\"")
                .find("runner \"reward\" needs 'tests.strict[0].report' (the reward file) or [tests] logs"),
            std::string::npos);
  EXPECT_NE(with("[[tests.strict]]\nname = \"strict one\"",
                 "[[tests.strict]]\nname = \"v\"\nrunner = \"reward\"\ncmd = \"true\"\nids = [\"score\"]\nreport = \"/etc/r\"\n"
                 "\n[[tests.strict]]\nname = \"strict one\"")
                .find("\"score\" is not a condition on the reward"),
            std::string::npos);
}

TEST_F(EnvironmentSpec, TheKeyFollowsTheFilesContentAndTheTaskHashTheKey) {
  const auto spec = "files = [\"deps/lib.tgz\"]\nsetup = \"true\"\n";
  const auto a = load_with(spec);
  core::write_file(dir() / "deps" / "lib.tgz", "other bytes");
  const auto b = load_with(spec);
  EXPECT_NE(a.environment->key, b.environment->key);
  EXPECT_NE(a.hash, b.hash);
  EXPECT_EQ(load_with(spec).environment->key, b.environment->key);
}

TEST_F(EnvironmentSpec, ASuiteEnvironmentAppliesToTasksWithoutTheirOwn) {
  core::write_file(suite() / "environment.toml", "path = [\"/opt/tools/bin\"]\n");
  const auto shared = load_task(dir());
  ASSERT_TRUE(shared.environment);
  EXPECT_EQ(shared.environment->path, std::vector<std::string>{"/opt/tools/bin"});
  EXPECT_EQ(load_with("path = [\"/own\"]").environment->path, std::vector<std::string>{"/own"});
  core::write_file(suite() / "environment.toml", "pth = [\"/x\"]\n");
  core::write_file(dir() / "task.toml", core::read_file(kFixture / "task.toml"));
  try {
    load_task(dir());
    FAIL() << "a bad environment.toml loaded";
  } catch (const core::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("environment.toml:1:7: unknown field 'pth'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace agentrace::suite
