// `agentrace import swe-bench` on a JSONL in SWE-bench's exact schema over a fixture
// repository with real history: the tasks import, validate, race (oracle, nop, the
// built-in agent on the sim) and export predictions SWE-bench's harness can read.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/fs.hpp"
#include "support/test-support.hpp"

namespace agentrace {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string sh(const std::string& cmd) {
  const auto r = test::run_command(cmd);
  EXPECT_EQ(r.exit_code, 0) << cmd << "\n" << r.err;
  return r.out;
}

// acme/calc at DIR/acme__calc: a base commit with floor division and no `mul` test.
// Returns two instances made against it the way SWE-bench makes them: patch = the fix's
// source changes, test_patch = its test changes, FAIL_TO_PASS as a JSON string.
std::string fixture(const fs::path& repos) {
  const auto dir = repos / "acme__calc";
  core::write_file(dir / "calc/__init__.py", "");
  core::write_file(dir / "calc/ops.py", "def div(a, b):\n    return a // b\n\n\ndef mul(a, b):\n    return a + b\n");
  core::write_file(dir / "tests/test_ops.py", "from calc.ops import div\n\n\ndef test_whole():\n    assert div(4, 2) == 2\n");
  const auto git = fmt::format("cd {} && git -c user.name=t -c user.email=t@t ", dir.string());
  sh(git + "init -q -b main && " + git + "add -A && " + git + "commit -qm base");
  const auto base = sh(git + "rev-parse HEAD").substr(0, 40);
  auto instance = [&](const std::string& id, const std::string& from, const std::string& to, const std::string& test) {
    sh(fmt::format("cd {} && sed -i 's|{}|{}|' calc/ops.py", dir.string(), from, to));
    core::write_file(dir / ("tests/test_" + id + ".py"), test);
    sh(git + "add -N tests");
    const auto patch = sh(git + "diff -- calc"), test_patch = sh(git + "diff -- tests");
    sh(git + "checkout -q -- . && rm -f tests/test_" + id + ".py");
    return json{{"instance_id", "acme__calc-" + id}, {"repo", "acme/calc"}, {"base_commit", base},
                {"patch", patch}, {"test_patch", test_patch}, {"problem_statement", "calc." + id + " is wrong"},
                {"hints_text", ""}, {"created_at", "2024-01-02T03:04:05Z"}, {"version", "1.0"},
                {"environment_setup_commit", base},
                {"FAIL_TO_PASS", json::array({"tests/test_" + id + ".py::test_" + id}).dump()},
                {"PASS_TO_PASS", json::array({"tests/test_ops.py::test_whole"}).dump()}}
        .dump();
  };
  return instance("div", "a // b", "a / b", "from calc.ops import div\n\n\ndef test_div():\n    assert div(1, 2) == 0.5\n") +
         "\n" +
         instance("mul", "a + b", "a * b", "from calc.ops import mul\n\n\ndef test_mul():\n    assert mul(3, 4) == 12\n") +
         "\n";
}

TEST(ImportSweBench, ImportsValidatesRacesAndExportsPredictions) {
  core::TempDir tmp("agentrace-it");
  const auto jsonl = tmp.path() / "instances.jsonl";
  core::write_file(jsonl, fixture(tmp.path() / "repos"));
  const auto suite = tmp.path() / "suite";
  const auto bin = test::binary().string();
  const auto imp = test::run_command(fmt::format("{} import swe-bench {} --out {} --repos {}", bin, jsonl.string(),
                                                 suite.string(), (tmp.path() / "repos").string()));
  ASSERT_EQ(imp.exit_code, 0) << imp.out << imp.err;
  const auto toml = core::read_file(suite / "acme--calc-div" / "task.toml");
  EXPECT_NE(toml.find("id = 'acme__calc-div'"), std::string::npos) << toml;
  EXPECT_NE(toml.find("runner = 'pytest'"), std::string::npos) << toml;
  const auto v = test::run_command(fmt::format("{} validate {}", bin, suite.string()));
  ASSERT_EQ(v.exit_code, 0) << v.out << v.err;

  const auto race = tmp.path() / "race.toml";
  core::write_file(race, fmt::format("name = \"swe\"\nsuite = \"{}\"\n[[contenders]]\nname = \"oracle\"\nscaffold = \"oracle\"\n"
                                     "[[contenders]]\nname = \"nop\"\nscaffold = \"nop\"\n[[contenders]]\nname = \"builtin-sim\"\n"
                                     "scaffold = \"builtin\"\nmodel = \"sim-model\"\n[contenders.endpoint]\nsim = \"zero\"\n",
                                     suite.string()));
  const auto db = tmp.path() / "r.db";
  const auto run = test::run_command(fmt::format("{} run {} --db {} --work {} -q", bin, race.string(), db.string(),
                                                 (tmp.path() / "work").string()));
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const auto pred = test::run_command(fmt::format("{} report --db {} --format swe-bench", bin, db.string()));
  ASSERT_EQ(pred.exit_code, 0) << pred.err;
  std::map<std::string, json> by;  // "contender instance" -> line
  std::istringstream lines(pred.out);
  for (std::string line; std::getline(lines, line);) {
    const auto j = json::parse(line);
    ASSERT_EQ(j.size(), 3u) << line;
    by[j.at("model_name_or_path").get<std::string>() + " " + j.at("instance_id").get<std::string>()] = j;
  }
  ASSERT_EQ(by.size(), 6u) << pred.out;
  EXPECT_NE(by["oracle acme__calc-div"]["model_patch"].get<std::string>().find("+    return a / b"), std::string::npos);
  EXPECT_NE(by["builtin-sim acme__calc-mul"]["model_patch"].get<std::string>().find("+    return a * b"), std::string::npos);
  EXPECT_EQ(by["nop acme__calc-mul"]["model_patch"].get<std::string>(), "");
}

TEST(ImportSweBench, BadInstancesNameLineAndField) {
  core::TempDir tmp("agentrace-it");
  const auto bin = test::binary().string();
  auto err = [&](const std::string& text) {
    core::write_file(tmp.path() / "x.jsonl", text);
    const auto r = test::run_command(fmt::format("{} import swe-bench {} --out {}", bin, (tmp.path() / "x.jsonl").string(),
                                                 (tmp.path() / "s").string()));
    EXPECT_EQ(r.exit_code, 2) << r.out;
    return r.err;
  };
  EXPECT_NE(err("\n{\"instance_id\": \"a__b-1\"}\n").find("x.jsonl:2: missing field 'repo'"), std::string::npos);
  EXPECT_NE(err("not json\n").find("x.jsonl:1: not a JSON object"), std::string::npos);
  const json ok = {{"instance_id", "a__b-1"}, {"repo", "a/b"}, {"base_commit", "0"}, {"patch", ""}, {"test_patch", ""},
                   {"problem_statement", "p"}, {"FAIL_TO_PASS", "[]"}, {"PASS_TO_PASS", "[]"}};
  EXPECT_NE(err(ok.dump()).find("'FAIL_TO_PASS' is empty"), std::string::npos);
  auto bad = ok;
  bad["FAIL_TO_PASS"] = "[oops";
  EXPECT_NE(err(bad.dump()).find("x.jsonl:1: 'FAIL_TO_PASS'"), std::string::npos);
}

TEST(ImportSweBench, ImageNamesFollowSweBench) {
  core::TempDir tmp("agentrace-it");
  // django__django-11099 -> sweb.eval.x86_64.django_1776_django-11099
  const json inst = {{"instance_id", "Django__django-11099"}, {"repo", "django/django"}, {"base_commit", "abc"},
                     {"patch", "p"}, {"test_patch", "t"}, {"problem_statement", "p"},
                     {"FAIL_TO_PASS", json::array({"t::a"})}, {"PASS_TO_PASS", json::array()}};
  core::write_file(tmp.path() / "i.jsonl", inst.dump() + "\n");
  fs::create_directories(tmp.path() / "images" / "sweb.eval.x86_64.django_1776_django-11099");
  const auto r = test::run_command(fmt::format("{} import swe-bench {} --out {} --images {}", test::binary().string(),
                                               (tmp.path() / "i.jsonl").string(), (tmp.path() / "s").string(),
                                               (tmp.path() / "images").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto toml = core::read_file(tmp.path() / "s" / "django--django-11099" / "task.toml");
  EXPECT_NE(toml.find("images/sweb.eval.x86_64.django_1776_django-11099'"), std::string::npos) << toml;
  EXPECT_NE(toml.find("url = 'https://github.com/django/django.git'"), std::string::npos) << toml;
}

}  // namespace
}  // namespace agentrace
