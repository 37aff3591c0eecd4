// Task environments (docs/task-format.md, "Environments"), end to end with the real binary,
// bwrap, npm and python: a JavaScript task whose tests need an npm package installed by the
// environment's setup from a local tarball, a Python task whose suite mounts a venv, the
// toolchain check in the sandbox, setup failures, the cache and `agentrace env`.
#include <memory>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/fs.hpp"
#include "scaffold/cli-agent.hpp"
#include "store/store.hpp"
#include "support/test-support.hpp"

namespace agentrace {
namespace {

namespace fs = std::filesystem;

const char* const kGrades = R"(
[grades]
miss = "still wrong"
basic = "partly"
solid = "works"
complete = "the shipped fix"
)";

// A one-file repository with a bug, its fix and a hidden test: the common part of each task,
// between its identity (id, title, language, toolchain) and its tests and environment.
void write_task(const fs::path& dir, const std::string& identity, const std::string& tests, const std::string& file,
                const std::string& before, const std::string& after, const std::string& hidden_name,
                const std::string& hidden) {
  core::write_file(dir / "statement.md", "Fix " + file + ".\n");
  core::write_file(dir / "repo" / file, before + "\n");
  core::write_file(dir / "hidden" / hidden_name, hidden);
  core::write_file(dir / "fix.patch", fmt::format("diff --git a/{0} b/{0}\n--- a/{0}\n+++ b/{0}\n@@ -1 +1 @@\n-{1}\n+{2}\n",
                                                  file, before, after));
  core::write_file(dir / "task.toml", identity + "statement = \"statement.md\"\n[repo]\ndir = \"repo\"\n[fix]\n"
                                                "patch = \"fix.patch\"\n[hidden_tests]\ndir = \"hidden\"\n" + tests + kGrades);
}

class Environments : public ::testing::Test {
 protected:
  core::TempDir tmp{"agentrace-env-it"};
  fs::path work() const { return tmp.path() / "work"; }
  fs::path js_suite() const { return tmp.path() / "js-suite"; }
  std::unique_ptr<test::Process> sim_;

  // tinylib: a module the tests require and a `tinyfix` command the agent can run, packed
  // with `npm pack` (no registry) and installed by the environment's setup.
  void SetUp() override {
    const auto pkg = tmp.path() / "tinylib";
    core::write_file(pkg / "package.json", R"({"name": "tinylib", "version": "1.0.0", "main": "index.js",
 "bin": {"tinyfix": "fix.js"}})");
    core::write_file(pkg / "index.js", "exports.equal = (a, b) => { if (a !== b) throw new Error(a + ' != ' + b); };\n");
    core::write_file(pkg / "fix.js", "#!/usr/bin/env node\nconst fs = require('fs');\n"
                                     "fs.writeFileSync('lib.js', fs.readFileSync('lib.js', 'utf8').replace('a - b', 'a + b'));\n");
    const auto task = js_suite() / "js-env";
    const auto r = test::run_command(fmt::format("cd {} && npm pack --silent && mkdir -p {} && mv tinylib-1.0.0.tgz {}",
                                                 pkg.string(), task.string(), task.string()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    write_task(task, R"(id = "js-env"
title = "add subtracts"
language = "javascript"
toolchain = ["node", "tinyfix"]
)", R"([[tests.fail_to_pass]]
name = "adds"
cmd = "node hidden_check.js"
[[tests.pass_to_pass]]
name = "tinylib from the environment"
cmd = "node -e \"require('tinylib')\""
[environment]
files = ["tinylib-1.0.0.tgz"]
setup = "npm install --no-audit ./tinylib-1.0.0.tgz"
path = ["{env}/node_modules/.bin"]
env = { NODE_PATH = "{env}/node_modules" }
)",
               "lib.js", "exports.add = (a, b) => a - b;", "exports.add = (a, b) => a + b;", "hidden_check.js",
               "require('tinylib').equal(require('./lib').add(2, 3), 5);\n");
    core::write_file(task / "repo" / "check.js", "require('tinylib').equal(require('./lib').add(1, 1), 2);\n");
  }

  // A race of one contender (the body of its [[contenders]] table) on the suite.
  test::CommandResult race(const fs::path& suite, const std::string& contender) {
    const auto file = tmp.path() / "race.toml";
    core::write_file(file, fmt::format("name = \"env\"\nsuite = \"{}\"\n[[contenders]]\n{}\n", suite.string(), contender));
    return test::run_command(fmt::format("{} run {} --db {} --work {} --quiet", test::binary().string(), file.string(),
                                         (tmp.path() / "r.db").string(), work().string()));
  }
  // A contender of this scaffold against a sim that plays `script`; the sim runs as long as the test.
  std::string sim_contender(const std::string& scaffold, const std::string& script) {
    core::write_file(tmp.path() / "script.toml", script);
    sim_ = std::make_unique<test::Process>(
        std::vector<std::string>{test::binary().string(), "sim", "--listen", "127.0.0.1:0", "--profile", "zero",
                                 "--script", (tmp.path() / "script.toml").string()},
        tmp.path() / "sim.out", tmp.path() / "sim.err");
    auto url = test::wait_for(tmp.path() / "sim.out", "\n");
    EXPECT_FALSE(url.empty()) << core::read_file(tmp.path() / "sim.err");
    if (!url.empty()) url.pop_back();
    return endpoint_contender(scaffold, url);
  }
  static std::string endpoint_contender(const std::string& scaffold, const std::string& url) {
    return fmt::format("name = \"{0}\"\nscaffold = \"{0}\"\nmodel = \"sim-model\"\n[contenders.endpoint]\nurl = \"{1}\"\n"
                       "protocol = \"openai-chat\"", scaffold, url);
  }
  // The race's only attempt.
  store::AttemptRecord attempt() {
    store::Store s(tmp.path() / "r.db");
    const auto all = s.attempts(s.races().back().id);
    EXPECT_EQ(all.size(), 1u);
    return all.empty() ? store::AttemptRecord{} : all.front();
  }

  test::CommandResult validate(const fs::path& suite, const std::string& extra = "") {
    return test::run_command(fmt::format("{} validate {} --work {} {}", test::binary().string(), suite.string(),
                                         work().string(), extra));
  }
};

TEST_F(Environments, NpmPackagesFromTheSetupStepValidateAndAreCached) {
  const auto first = validate(js_suite());
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_NE(first.err.find("hold (oracle Complete, nop Miss)"), std::string::npos) << first.err;
  EXPECT_NE(first.err.find(": built in"), std::string::npos) << first.err;
  EXPECT_NE(first.err.find("prepared before the attempts: 1 repositories"), std::string::npos) << first.err;
  const auto again = validate(js_suite());
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("found, built earlier"), std::string::npos) << again.err;
}

TEST_F(Environments, TheAgentSeesTheEnvironmentTheGraderSees) {
  // The agent fixes the bug with `tinyfix`, a command only the environment provides, after
  // running the task's own visible check (it needs tinylib from the environment too).
  const auto r = race(js_suite(), "name = \"envagent\"\nscaffold = \"command\"\ncommand = [\"sh\", \"-c\", \"node -e "
                                  "\\\"require('tinylib')\\\" && test \\\"$NODE_PATH\\\" = /env/node_modules && tinyfix\"]");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto a = attempt();
  EXPECT_EQ(a.grade, 3) << a.grade_detail << " " << a.failure_detail;
}

TEST_F(Environments, ASuiteLevelEnvironmentMountsAVenv) {
  const auto venv = tmp.path() / "venv";
  const auto made = test::run_command(fmt::format("/usr/bin/python3 -m venv --without-pip {0} && "
                                                  "echo 'def triple(x): return 3 * x' > "
                                                  "$(echo {0}/lib/python3*/site-packages)/tinyvenvlib.py",
                                                  venv.string()));
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const auto suite = tmp.path() / "py-suite";
  core::write_file(suite / "environment.toml", fmt::format("mounts = [{{ host = \"{}\", at = \"/opt/venv\" }}]\n"
                                                           "path = [\"/opt/venv/bin\"]\n",
                                                           venv.string()));
  write_task(suite / "py-env", R"(id = "py-env"
title = "triple doubles"
language = "python"
toolchain = ["python3"]
)", R"([[tests.fail_to_pass]]
name = "triples, with the venv's interpreter"
cmd = "python3 check_triple.py"
)",
             "calc.py", "def triple(x): return 2 * x", "def triple(x): return 3 * x", "check_triple.py",
             "import sys, tinyvenvlib, calc\nassert sys.prefix == '/opt/venv', sys.prefix\n"
             "assert calc.triple(4) == tinyvenvlib.triple(4)\n");
  const auto r = validate(suite);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("hold (oracle Complete, nop Miss)"), std::string::npos) << r.err;
}

TEST_F(Environments, TheToolchainIsCheckedInTheSandboxNotOnTheHostPath) {
  // `hostonlytool` is on the PATH agentrace runs with, but not in the sandbox.
  const auto bin = tmp.path() / "hostbin";
  core::write_file(bin / "hostonlytool", "#!/bin/sh\n");
  fs::permissions(bin / "hostonlytool", fs::perms::owner_all);
  const auto toml = tmp.path() / "js-suite" / "js-env" / "task.toml";
  auto spec = core::read_file(toml);
  spec.replace(spec.find("\"tinyfix\"]"), 10, "\"tinyfix\", \"hostonlytool\"]");
  core::write_file(toml, spec);
  const auto r = test::run_command(fmt::format("PATH={}:$PATH {} validate {} --work {}", bin.string(),
                                               test::binary().string(), js_suite().string(), work().string()));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("toolchain missing in the sandbox"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("task js-env needs 'hostonlytool'"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("needs 'tinyfix'"), std::string::npos) << r.err;  // the environment's PATH counts
}

TEST_F(Environments, AFailedSetupNamesItsLogAndShowsItsTail) {
  const auto toml = js_suite() / "js-env" / "task.toml";
  auto spec = core::read_file(toml);
  spec.replace(spec.find("setup = \"npm install"), 9, "setup = \"echo setup-went-wrong-7c1; exit 3; ");
  core::write_file(toml, spec);
  const auto r = validate(js_suite());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("the environment's setup failed (exit 3)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("setup.log"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("setup-went-wrong-7c1"), std::string::npos) << r.err;
}

TEST_F(Environments, EnvBuildListPrune) {
  const auto bin = test::binary().string();
  const auto build = test::run_command(fmt::format("{} env build {} --work {}", bin, js_suite().string(), work().string()));
  ASSERT_EQ(build.exit_code, 0) << build.err;
  EXPECT_NE(build.out.find("| built"), std::string::npos) << build.out;
  const auto cached = test::run_command(fmt::format("{} env build {} --work {}", bin, js_suite().string(), work().string()));
  EXPECT_NE(cached.out.find("| cached"), std::string::npos) << cached.out;
  const auto list = test::run_command(fmt::format("{} env list --work {}", bin, work().string()));
  EXPECT_NE(list.out.find((js_suite() / "js-env" / "task.toml").string()), std::string::npos) << list.out;
  const auto kept = test::run_command(fmt::format("{} env prune --suite {} --work {}", bin, js_suite().string(),
                                                  work().string()));
  EXPECT_EQ(kept.out, "") << kept.out;
  const auto pruned = test::run_command(fmt::format("{} env prune --work {}", bin, work().string()));
  EXPECT_NE(pruned.out.find("removed "), std::string::npos) << pruned.out;
  EXPECT_EQ(test::run_command(fmt::format("{} env list --work {}", bin, work().string())).out.find("task.toml"),
            std::string::npos);
}

// A real agent against the sim: it runs the task's own visible check (which needs tinylib
// from the environment), fixes the bug with the environment's `tinyfix`, runs the check again.
class AgentInEnvironment : public Environments, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() != "builtin" && !scaffold::find_installed(scaffold::cli_info(GetParam())).present)
      GTEST_SKIP() << GetParam() << " is not installed: run scripts/setup-agents";
    Environments::SetUp();
  }
};

TEST_P(AgentInEnvironment, RunsTheTasksOwnTestsInItsEnvironment) {
  const auto contender = sim_contender(GetParam(), R"(name = "env-task"
match = "Fix lib.js"
final = "Fixed with tinyfix; node check.js passes."
[[turn]]
tools = [{ shell = "node check.js || echo check-fails-before-the-fix" }]
[[turn]]
tools = [{ shell = "tinyfix && node check.js && echo check-passes" }]
)");
  const auto r = race(js_suite(), contender);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto a = attempt();
  EXPECT_EQ(a.state, store::AttemptState::done) << a.failure_detail;
  EXPECT_EQ(a.grade, 3) << a.grade_detail << "\n" << a.diff;
  EXPECT_GT(a.calls, 2);
}

// An image made here from the host's Debian-packaged bash and libc (umoci: 0.5 s, 2 MB; an
// mmdebstrap root would need the Debian mirror and 20-50 s), as an OCI layout and as the
// `docker save` tarball skopeo writes from it; a shell task whose tests can pass only in it.
class ImageEnvironment : public Environments {
 protected:
  fs::path layout() const { return tmp.path() / "layout"; }
  fs::path tarball() const { return tmp.path() / "image.tar"; }
  fs::path suite() const { return tmp.path() / "img-suite"; }

  void SetUp() override {
    Environments::SetUp();
    const auto made = test::run_command(fmt::format(
        "set -e; {0}umoci init --layout {1}; umoci new --image {1}:t; umoci insert --image {1}:t $r /; "
        "skopeo copy --quiet oci:{1}:t docker-archive:{2}:localhost/img:t",
        test::bash_rootfs_script(tmp.path() / "rootfs"), layout().string(), tarball().string()));
    ASSERT_EQ(made.exit_code, 0) << made.err << " (scripts/setup installs umoci and skopeo)";
  }

  void write_image_task(const fs::path& image) {
    write_task(suite() / "sh-img", R"(id = "sh-img"
title = "greet misspells"
language = "shell"
toolchain = ["bash"]
)", fmt::format(R"([[tests.fail_to_pass]]
name = "greets"
cmd = "bash check.sh"
[[tests.pass_to_pass]]
name = "the image is the root"
cmd = "[[ -f /etc/image-marker && ! -e /usr/bin/python3 ]]"
[environment]
image = "{}"
)", image.string()),
               "greet.sh", "greet() { echo helo; }", "greet() { echo hello; }", "check.sh",
               "source ./greet.sh; [[ \"$(greet)\" == hello ]]\n");
  }
};

TEST_F(ImageEnvironment, AnImageLayoutIsTheRootOfTheGradersSandbox) {
  write_image_task(layout());
  const auto r = validate(suite());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("hold (oracle Complete, nop Miss)"), std::string::npos) << r.err;
}

// Harbor's layout in an image that has none of its folders: the workspace at /srv/app, the
// verifier at /checks, its reward under /out/verifier; each mount point is made in the root.
TEST_F(ImageEnvironment, AWorkdirHiddenTestsAtAPathAndLogsWorkInAnImageRoot) {
  write_task(suite() / "sh-harbor", "id = \"sh-harbor\"\ntitle = \"greet\"\nlanguage = \"shell\"\ntoolchain = [\"bash\"]\n",
             fmt::format(R"(at = "/checks"
[tests]
logs = "/out/verifier"
[[tests.fail_to_pass]]
name = "verifier"
runner = "reward"
cmd = "bash /checks/test.sh"
ids = ["reward>=1"]
[environment]
image = "{}"
workdir = "/srv/app"
)", layout().string()),
             "greet.sh", "greet() { echo helo; }", "greet() { echo hello; }", "test.sh",
             "[[ $PWD == /srv/app && -f /etc/image-marker ]] || exit 1\nsource /srv/app/greet.sh\n"
             "if [[ \"$(greet)\" == hello ]]; then echo 1; else echo 0; fi > /out/verifier/reward.txt\n");
  const auto r = validate(suite());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("hold (oracle Complete, nop Miss)"), std::string::npos) << r.err;
}

TEST_F(ImageEnvironment, TheBuiltinAgentRunsInADockerSaveImage) {
  write_image_task(tarball());
  const auto r = race(suite(), sim_contender("builtin", "name = \"img\"\nmatch = \"Fix greet.sh\"\nfinal = \"done\"\n"
                                                        "[[turn]]\ntools = [{ shell = \"[[ -f /etc/image-marker ]] && "
                                                        "echo 'greet() { echo hello; }' > greet.sh\" }]\n"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto a = attempt();
  EXPECT_EQ(a.grade, 3) << a.grade_detail << " " << a.failure_detail;
}

TEST_F(ImageEnvironment, AnAgentCliThatNeedsNodeIsRefusedInAnImageWithoutIt) {
  if (!scaffold::find_installed(scaffold::cli_info("qwen-code")).present) GTEST_SKIP() << "qwen-code is not installed";
  write_image_task(layout());
  const auto r = race(suite(), endpoint_contender("qwen-code", "http://127.0.0.1:9"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("contender 'qwen-code' (qwen) cannot start in task sh-img's image"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("it is a script, '#!/usr/bin/env node': the image needs that interpreter"), std::string::npos)
      << r.err;
}

INSTANTIATE_TEST_SUITE_P(Agents, AgentInEnvironment, ::testing::Values("builtin", "opencode"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace agentrace
