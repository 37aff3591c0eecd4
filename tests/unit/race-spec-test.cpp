// Race files (file:line:col for every problem), stable attempt ids and the plan.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "race/race-spec.hpp"
#include "support/test-support.hpp"

namespace agentrace::race {
namespace {

namespace fs = std::filesystem;

// Line numbers below refer to this text.
const char* const kRace = R"(name = "unit-race"
suite = "suite"
repeats = 2
jobs = 2
sandbox = "none"

[limits]
agent_seconds = 300

[[contenders]]
name = "oracle"
scaffold = "oracle"

[[contenders]]
name = "runner"
scaffold = "command"
model = "m-1"
command = ["my-agent", "{prompt}"]
)";

struct Failure {
  bool thrown = false;
  bool single = false;
  int line = 0, column = 0;
  std::string message, what;
};

class RaceFile : public ::testing::Test {
 protected:
  void SetUp() override { fs::create_directories(tmp_.path() / "suite"); }
  fs::path file() const { return tmp_.path() / "race.toml"; }
  void write_with(const std::string& from, const std::string& to) {
    std::string text = kRace;
    const auto pos = text.find(from);
    ASSERT_NE(pos, std::string::npos) << from;
    text.replace(pos, from.size(), to);
    core::write_file(file(), text);
  }
  Failure load_failure() {
    Failure f;
    try {
      load_race_file(file());
    } catch (const core::SpecError& e) {
      f = {true, true, e.line(), e.column(), e.message(), e.what()};
    } catch (const core::UsageError& e) {
      f.thrown = true;
      f.what = e.what();
    }
    return f;
  }
  void expect_error(int line, int column, const std::string& message) {
    const auto f = load_failure();
    ASSERT_TRUE(f.thrown) << "load_race_file accepted a bad race file";
    ASSERT_TRUE(f.single) << "expected one error, got:\n" << f.what;
    EXPECT_EQ(f.line, line) << f.what;
    EXPECT_EQ(f.column, column) << f.what;
    EXPECT_EQ(f.message, message);
    EXPECT_EQ(f.what, fmt::format("{}:{}:{}: {}", file().string(), line, column, message));
  }

  core::TempDir tmp_{"race-spec-test"};
};

TEST_F(RaceFile, BaseTextLoads) {
  write_with("", "");
  const auto spec = load_race_file(file());
  EXPECT_EQ(spec.name, "unit-race");
  EXPECT_EQ(spec.suite_dir, tmp_.path() / "suite");
  ASSERT_EQ(spec.contenders.size(), 2u);
}

TEST_F(RaceFile, UnknownScaffold) {
  write_with("scaffold = \"oracle\"", "scaffold = \"aider\"");
  expect_error(12, 12, "'contenders[0].scaffold' = \"aider\" is not a known scaffold (oracle, nop, command, builtin, claude-code, opencode, codex, qwen-code)");
}

TEST_F(RaceFile, DuplicateContenderNames) {
  write_with("name = \"runner\"", "name = \"oracle\"");
  expect_error(15, 8, "contender name 'oracle' is used twice");
}

TEST_F(RaceFile, CommandScaffoldWithoutCommand) {
  write_with("command = [\"my-agent\", \"{prompt}\"]\n", "");
  expect_error(14, 1, "contender 'runner': scaffold \"command\" needs command = [\"prog\", ...]");
}

TEST_F(RaceFile, ScaffoldsListCrossesTheModelWithEachScaffold) {
  write_with("[[contenders]]\nname = \"oracle\"\nscaffold = \"oracle\"\n",
             "[[contenders]]\nname = \"qwen3\"\nscaffolds = [\"builtin\", \"nop\"]\nmodel = \"qwen3-coder\"\n"
             "max_turns = 12\nhourly_usd = 1.5\n[contenders.endpoint]\nsim = \"zero\"\n");
  const auto spec = load_race_file(file());
  ASSERT_EQ(spec.contenders.size(), 3u);
  EXPECT_EQ(spec.contenders[0].name, "qwen3-builtin");
  EXPECT_EQ(spec.contenders[1].name, "qwen3-nop");
  for (int i : {0, 1}) {
    EXPECT_EQ(spec.contenders[i].cross, "qwen3");
    EXPECT_EQ(spec.contenders[i].model, "qwen3-coder");
    EXPECT_EQ(spec.contenders[i].max_turns, 12);
    EXPECT_EQ(spec.contenders[i].price.hourly_usd, 1.5);
  }
  EXPECT_EQ(spec.contenders[0].endpoint->protocol, "openai-chat");  // builtin's default, filled in
  EXPECT_NE(spec.contenders[0].config_hash, spec.contenders[1].config_hash);
  const nlohmann::json j = spec.record();
  EXPECT_EQ(j["contenders"][0]["cross"], "qwen3");
  EXPECT_EQ(j["contenders"][0]["hourly_usd"], 1.5);
  EXPECT_EQ(j["contenders"][0]["max_turns"], 12);
}

TEST_F(RaceFile, EndpointUrlNamesTheSchemesItTakes) {
  write_with("command = [\"my-agent\", \"{prompt}\"]\n",
             "command = [\"my-agent\", \"{prompt}\"]\n[contenders.endpoint]\nurl = \"ftp://gpu-box\"\n");
  expect_error(20, 7, "'contenders[1].endpoint.url': URL 'ftp://gpu-box' must start with http://, https:// or http+unix://");
  write_with("command = [\"my-agent\", \"{prompt}\"]\n",
             "command = [\"my-agent\", \"{prompt}\"]\n[contenders.endpoint]\nurl = \"http+unix://%2Frun%2Fvllm.sock\"\n");
  const auto spec = load_race_file(file());
  EXPECT_EQ(spec.contenders[1].endpoint->url, "http+unix://%2Frun%2Fvllm.sock");
}

TEST_F(RaceFile, ScaffoldAndScaffoldsTogether) {
  write_with("scaffold = \"oracle\"", "scaffold = \"oracle\"\nscaffolds = [\"nop\"]");
  expect_error(13, 13, "'contenders[0].scaffolds': give either 'scaffold' or 'scaffolds', not both");
}

TEST_F(RaceFile, PricesAndAttachmentsReachTheReport) {
  core::write_file(tmp_.path() / "serve" / "vllm.sh", "vllm serve qwen3 --max-model-len 65536\n");
  const std::string command = "command = [\"my-agent\", \"{prompt}\"]\n";
  write_with(command, command + "attachments = [\"serve/vllm.sh\"]\n"
                                "[contenders.price]\ninput_per_mtok = 3.0\noutput_per_mtok = 15.0\n");
  const auto spec = load_race_file(file());
  const auto& c = spec.contenders[1];
  ASSERT_EQ(c.attachments.size(), 1u);
  EXPECT_EQ(c.attachments[0].name, "serve/vllm.sh");
  EXPECT_EQ(c.attachments[0].content, "vllm serve qwen3 --max-model-len 65536\n");
  EXPECT_EQ(c.price.input_per_mtok, 3.0);
  EXPECT_EQ(c.price.output_per_mtok, 15.0);
  const auto j = nlohmann::json(spec.record())["contenders"][1];
  EXPECT_EQ(j["price"]["output_per_mtok"], 15.0);
  EXPECT_EQ(j["attachments"][0]["content"], c.attachments[0].content);
}

TEST_F(RaceFile, MissingAttachment) {
  write_with("name = \"runner\"", "name = \"runner\"\nattachments = [\"compose.yaml\"]");
  expect_error(16, 15, fmt::format("'contenders[1].attachments': cannot read {}", (tmp_.path() / "compose.yaml").string()));
}

// A shared race folder must not publish a host file (a key, a config) through a link.
TEST_F(RaceFile, AttachmentLinkLeadingOutsideIsRefused) {
  core::TempDir outside("race-spec-outside");
  core::write_file(outside.path() / "id_rsa", "PRIVATE KEY\n");
  fs::create_symlink(outside.path() / "id_rsa", tmp_.path() / "compose.yaml");
  write_with("name = \"runner\"", "name = \"runner\"\nattachments = [\"compose.yaml\"]");
  expect_error(16, 15, fmt::format("'contenders[1].attachments': {} leads outside the race file's folder (to {}); "
                                   "attach files inside it",
                                   (tmp_.path() / "compose.yaml").string(), (outside.path() / "id_rsa").string()));
}

TEST_F(RaceFile, AttachmentUnderALinkedFolderIsRefused) {
  core::TempDir outside("race-spec-outside");
  core::write_file(outside.path() / "vllm.sh", "PRIVATE KEY\n");
  fs::create_directory_symlink(outside.path(), tmp_.path() / "serve");
  write_with("name = \"runner\"", "name = \"runner\"\nattachments = [\"serve/vllm.sh\"]");
  expect_error(16, 15, fmt::format("'contenders[1].attachments': {} leads outside the race file's folder (to {}); "
                                   "attach files inside it",
                                   (tmp_.path() / "serve" / "vllm.sh").string(), (outside.path() / "vllm.sh").string()));
}

TEST_F(RaceFile, RepeatsZero) {
  write_with("repeats = 2", "repeats = 0");
  expect_error(3, 11, "'repeats' = 0 is out of range [1, 1000]");
}

TEST_F(RaceFile, MissingSuiteFolder) {
  write_with("suite = \"suite\"", "suite = \"nowhere\"");
  expect_error(2, 9, fmt::format("'suite': folder {} does not exist", (tmp_.path() / "nowhere").string()));
}

TEST_F(RaceFile, MissingSuiteField) {
  write_with("suite = \"suite\"\n", "");
  expect_error(1, 1, "missing required field 'suite' (a string)");
}

TEST_F(RaceFile, UnknownTopLevelKey) {
  write_with("jobs = 2\n", "jobs = 2\nparallel = true\n");
  expect_error(5, 12, "unknown field 'parallel'");
}

TEST_F(RaceFile, UnknownKeyInAContender) {
  write_with("model = \"m-1\"", "modle = \"m-1\"");
  expect_error(17, 9, "unknown field 'contenders[1].modle' in [contenders[1]]");
}

TEST_F(RaceFile, BadSandbox) {
  write_with("sandbox = \"none\"", "sandbox = \"docker\"");
  expect_error(5, 11, "'sandbox' = \"docker\": use \"bwrap\" or \"none\"");
}

TEST_F(RaceFile, NoContenders) {
  std::string text = kRace;
  core::write_file(file(), text.substr(0, text.find("[[contenders]]")));
  expect_error(1, 1, "[[contenders]] needs at least one entry");
}

TEST_F(RaceFile, SyntaxError) {
  write_with("jobs = 2", "jobs = = 2");
  const auto f = load_failure();
  ASSERT_TRUE(f.single) << f.what;
  EXPECT_EQ(f.line, 4);
  EXPECT_EQ(f.message.rfind("TOML syntax: ", 0), 0u) << f.message;
}

TEST_F(RaceFile, SeveralErrorsAreAllReported) {
  std::string text = kRace;
  text.replace(text.find("repeats = 2"), 11, "repeats = 0");
  text.replace(text.find("scaffold = \"oracle\""), 19, "scaffold = \"aider\"");
  core::write_file(file(), text);
  const auto f = load_failure();
  ASSERT_TRUE(f.thrown);
  EXPECT_FALSE(f.single);
  EXPECT_EQ(f.what, fmt::format("{0}:3:11: 'repeats' = 0 is out of range [1, 1000]\n"
                                "{0}:12:12: 'contenders[0].scaffold' = \"aider\" is not a known scaffold "
                                "(oracle, nop, command, builtin, claude-code, opencode, codex, qwen-code)",
                                file().string()));
}

TEST_F(RaceFile, MissingFile) {
  try {
    load_race_file(tmp_.path() / "absent.toml");
    FAIL() << "no error";
  } catch (const core::UsageError& e) {
    EXPECT_EQ(std::string(e.what()),
              fmt::format("race file {} does not exist", (tmp_.path() / "absent.toml").string()));
  }
}

TEST(RaceFileGood, LoadsEveryField) {
  const auto file = test::data_dir() / "specs" / "race-good.toml";
  const auto spec = load_race_file(file);
  EXPECT_EQ(spec.name, "unit-race");
  EXPECT_EQ(spec.suite_dir, fs::absolute(file).parent_path() / "suite-good");
  EXPECT_EQ(spec.task_filter, std::vector<std::string>{"demo-task"});
  EXPECT_EQ(spec.repeats, 2);
  EXPECT_EQ(spec.jobs, 3);
  EXPECT_EQ(spec.sandbox, "none");
  EXPECT_EQ(spec.agent_seconds, 300);
  EXPECT_EQ(spec.source, fs::absolute(file));
  ASSERT_EQ(spec.contenders.size(), 2u);
  const auto& o = spec.contenders[0];
  EXPECT_EQ(o.name, "oracle");
  EXPECT_EQ(o.scaffold, "oracle");
  EXPECT_TRUE(o.command.empty());
  EXPECT_FALSE(o.agent_seconds.has_value());
  const auto& r = spec.contenders[1];
  EXPECT_EQ(r.name, "runner");
  EXPECT_EQ(r.scaffold, "command");
  EXPECT_EQ(r.model, "m-1");
  EXPECT_EQ(r.command, (std::vector<std::string>{"my-agent", "--prompt", "{prompt}"}));
  EXPECT_EQ(r.labels, (std::vector<std::string>{"local", "gpu"}));
  EXPECT_EQ(r.notes, "runs a command");
  EXPECT_EQ(r.agent_seconds, 120);
  EXPECT_EQ(r.env, (std::map<std::string, std::string>{{"API_KEY", "secret-value"}}));
  EXPECT_EQ(o.config_hash.size(), 64u);
  EXPECT_NE(o.config_hash, r.config_hash);
}

TEST(RaceFileGood, JsonNamesEnvKeysButNotTheirValues) {
  const auto spec = load_race_file(test::data_dir() / "specs" / "race-good.toml");
  const auto j = nlohmann::json(spec.record()).dump();
  EXPECT_NE(j.find("\"API_KEY\""), std::string::npos) << j;
  EXPECT_EQ(j.find("secret-value"), std::string::npos) << j;
}

TEST(RaceFileGood, NameDefaultsToTheFileStem) {
  core::TempDir tmp("race-spec-test");
  fs::create_directories(tmp.path() / "s");
  core::write_file(tmp.path() / "nightly.toml", "suite = \"s\"\n[[contenders]]\nname = \"a\"\nscaffold = \"nop\"\n");
  const auto spec = load_race_file(tmp.path() / "nightly.toml");
  EXPECT_EQ(spec.name, "nightly");
  EXPECT_EQ(spec.repeats, 1);
  EXPECT_EQ(spec.jobs, 1);
  EXPECT_EQ(spec.sandbox, "bwrap");
  EXPECT_FALSE(spec.agent_seconds.has_value());
}

scaffold::ContenderConfig contender(const std::string& name, const std::string& scaffold_name,
                                    const std::string& model = "") {
  scaffold::ContenderConfig c;
  c.name = name;
  c.scaffold = scaffold_name;
  c.model = model;
  return c;
}

RaceSpec spec_with(std::vector<scaffold::ContenderConfig> contenders, int repeats) {
  RaceSpec spec;
  spec.contenders = std::move(contenders);
  spec.repeats = repeats;
  finalize_contenders(spec);
  return spec;
}

TEST(Contenders, FinalizeRejectsBadNamesAndEmptyLists) {
  RaceSpec empty;
  EXPECT_THROW(finalize_contenders(empty), core::UsageError);
  RaceSpec bad;
  bad.contenders = {contender("my agent", "nop")};
  try {
    finalize_contenders(bad);
    FAIL() << "bad name accepted";
  } catch (const core::UsageError& e) {
    EXPECT_EQ(std::string(e.what()), "contender name 'my agent' may hold only letters, digits, '.', '_' and '-'");
  }
  RaceSpec unknown;
  unknown.contenders = {contender("x", "aider")};
  EXPECT_THROW(finalize_contenders(unknown), core::UsageError);
}

TEST(Contenders, ConfigHashFollowsTheConfigNotTheNotes) {
  auto a = spec_with({contender("a", "nop", "m-1")}, 1).contenders[0];
  auto same = spec_with({contender("a", "nop", "m-1")}, 1).contenders[0];
  auto other_model = spec_with({contender("a", "nop", "m-2")}, 1).contenders[0];
  auto with_notes = contender("a", "nop", "m-1");
  with_notes.notes = "just a note";
  with_notes.labels = {"label"};
  const auto noted = spec_with({with_notes}, 1).contenders[0];
  auto with_env = contender("a", "nop", "m-1");
  with_env.env["X"] = "1";
  const auto env = spec_with({with_env}, 1).contenders[0];
  EXPECT_EQ(a.config_hash, same.config_hash);
  EXPECT_NE(a.config_hash, other_model.config_hash);
  EXPECT_NE(a.config_hash, env.config_hash);
  EXPECT_EQ(a.config_hash, noted.config_hash);
}

TEST(AttemptId, StableForTheSameInputs) {
  const auto c = spec_with({contender("a", "nop", "m-1")}, 1).contenders[0];
  const auto race = race_id("nightly");
  const auto id = attempt_id(race, "taskhash", c, 0);
  EXPECT_EQ(id, attempt_id(race, "taskhash", c, 0));
  EXPECT_EQ(id.size(), 24u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
  // Recomputed from scratch in a fresh spec: still the same id.
  const auto again = spec_with({contender("a", "nop", "m-1")}, 1).contenders[0];
  EXPECT_EQ(id, attempt_id(race_id("nightly"), "taskhash", again, 0));
}

TEST(AttemptId, DiffersWhenAnyInputDiffers) {
  const auto c = spec_with({contender("a", "nop", "m-1")}, 1).contenders[0];
  const auto other_config = spec_with({contender("a", "nop", "m-2")}, 1).contenders[0];
  const auto other_name = spec_with({contender("b", "nop", "m-1")}, 1).contenders[0];
  const auto race = race_id("nightly");
  const auto id = attempt_id(race, "taskhash", c, 0);
  const std::set<std::string> ids = {
      id,
      attempt_id(race, "taskhash2", c, 0),
      attempt_id(race, "taskhash", other_config, 0),
      attempt_id(race, "taskhash", other_name, 0),
      attempt_id(race, "taskhash", c, 1),
      attempt_id(race_id("weekly"), "taskhash", c, 0),
  };
  EXPECT_EQ(ids.size(), 6u);
}

TEST(RaceId, StableAndDistinct) {
  EXPECT_EQ(race_id("demo"), race_id("demo"));
  EXPECT_NE(race_id("demo"), race_id("demo2"));
  EXPECT_EQ(race_id("demo").rfind("race-", 0), 0u);
  EXPECT_EQ(race_id("demo").size(), 5u + 12u);
}

suite::Suite fake_suite(const std::vector<std::string>& ids) {
  suite::Suite s;
  s.dir = "/suites/fake";
  s.name = "fake";
  for (const auto& id : ids) {
    suite::Task t;
    t.id = id;
    t.hash = "hash-of-" + id;
    s.tasks.push_back(t);
  }
  return s;
}

TEST(Plan, TasksTimesContendersTimesRepeatsInRepeatMajorOrder) {
  const auto spec = spec_with({contender("a", "nop"), contender("b", "oracle")}, 2);
  const auto suite = fake_suite({"t1", "t2", "t3"});
  const auto race = race_id("r");
  const auto attempts = plan(spec, race, suite);
  ASSERT_EQ(attempts.size(), 3u * 2u * 2u);
  std::vector<std::string> order;
  std::set<std::string> ids;
  for (const auto& a : attempts) {
    order.push_back(fmt::format("{}/{}/{}", a.repeat, a.task_id, a.contender));
    ids.insert(a.id);
    EXPECT_EQ(a.race_id, race);
    EXPECT_EQ(a.task_hash, "hash-of-" + a.task_id);
    EXPECT_EQ(a.state, store::AttemptState::planned);
    const auto& c = a.contender == "a" ? spec.contenders[0] : spec.contenders[1];
    EXPECT_EQ(a.id, attempt_id(race, a.task_hash, c, a.repeat));
  }
  EXPECT_EQ(order, (std::vector<std::string>{"0/t1/a", "0/t1/b", "0/t2/a", "0/t2/b", "0/t3/a", "0/t3/b",
                                             "1/t1/a", "1/t1/b", "1/t2/a", "1/t2/b", "1/t3/a", "1/t3/b"}));
  EXPECT_EQ(ids.size(), attempts.size());
  EXPECT_EQ(plan(spec, race, suite).front().id, attempts.front().id);  // deterministic
}

TEST(Plan, TaskFilterKeepsOnlyTheNamedTasksInItsOrder) {
  auto spec = spec_with({contender("a", "nop")}, 1);
  spec.task_filter = {"t3", "t1"};
  const auto attempts = plan(spec, race_id("r"), fake_suite({"t1", "t2", "t3"}));
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].task_id, "t3");
  EXPECT_EQ(attempts[1].task_id, "t1");
}

TEST(Plan, UnknownTaskInTheFilter) {
  auto spec = spec_with({contender("a", "nop")}, 1);
  spec.task_filter = {"t1", "nope"};
  try {
    plan(spec, race_id("r"), fake_suite({"t1", "t2"}));
    FAIL() << "unknown task accepted";
  } catch (const core::UsageError& e) {
    EXPECT_EQ(std::string(e.what()), "--task nope: no such task in /suites/fake");
  }
}

}  // namespace
}  // namespace agentrace::race
