// The records kept in the store (src/record/): each reads back what it wrote, takes the
// defaults for what an older store lacks, and refuses what is not one, naming it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/hash.hpp"
#include "core/host.hpp"
#include "record/agent-report.hpp"
#include "record/contender.hpp"
#include "record/grading.hpp"
#include "record/race.hpp"
#include "record/task.hpp"
#include "record/time-split.hpp"
#include "support/test-support.hpp"

namespace agentrace::record {
namespace {

using nlohmann::json;

template <class T>
void expect_round_trip(const T& v) {
  const json j = v;
  EXPECT_EQ(json(j.get<T>()), j) << j.dump();
}

template <class T>
void expect_refused(const char* text, const std::string& words) {
  try {
    (void)json::parse(text).get<T>();
    ADD_FAILURE() << "accepted " << text;
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
  }
}

ContenderConfig full_contender() {
  ContenderConfig c;
  c.name = "qwen-opencode";
  c.scaffold = "opencode";
  c.model = "qwen3-coder";
  c.cross = "qwen";
  c.command = {"opencode", "run"};
  c.env = {{"API_KEY", ""}, {"MODE", ""}};
  c.labels = {"local", "1x RTX 4090"};
  c.notes = "vllm 0.11";
  c.agent_seconds = 600;
  c.max_turns = 40;
  c.price = {std::nullopt, std::nullopt, 0.8};
  c.attachments = {{"serve.sh", "vllm serve qwen3\n"}};
  c.endpoint = EndpointConfig{"http://gpu:8000", "openai-chat", "KEY", ""};
  return c;
}

TEST(Records, ContenderRoundTripsAndKeepsEnvValuesOut) {
  auto c = full_contender();
  expect_round_trip(c);
  c.env["API_KEY"] = "secret";
  const auto text = json(c).dump();
  EXPECT_EQ(text.find("secret"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("env_keys":["API_KEY","MODE"])"), std::string::npos) << text;
  c.price = {3, 15, std::nullopt};
  expect_round_trip(c);
  EXPECT_EQ(json(c)["price"], json::parse(R"({"input_per_mtok":3.0,"output_per_mtok":15.0})"));
}

// What a store written before these records holds reads with defaults.
TEST(Records, OlderContenderJsonReadsWithDefaults) {
  const auto c = test::parse_record<ContenderConfig>(R"({"name":"a","endpoint":null,"hourly_usd":1.5})");
  EXPECT_EQ(c.name, "a");
  EXPECT_FALSE(c.endpoint);
  EXPECT_EQ(c.price.hourly_usd, 1.5);
  EXPECT_FALSE(c.price.input_per_mtok);
  EXPECT_TRUE(c.labels.empty());
}

TEST(Records, BadJsonIsRefusedNamingWhat) {
  expect_refused<ContenderConfig>("[1]", "contender: expected an object, got array");
  expect_refused<ContenderConfig>(R"({"labels":"local"})", "type must be array");
  expect_refused<ContenderConfig>(R"({"endpoint":"http://x"})", "endpoint: expected an object");
  expect_refused<ContenderConfig>(R"({"price":[3]})", "price: expected an object");
  expect_refused<AgentReport>(R"({"turns":"four"})", "type must be number");
  expect_refused<AgentReport>(R"({"tools":{}})", "agent report: tools: [json.exception.type_error.302] type must be array");
  expect_refused<AgentReport>(R"({"tools":[1]})", "tool: expected an object");
  expect_refused<TimeSplit>(R"({"wall_s":3})", "model_s");
  expect_refused<std::vector<HygieneFlag>>(R"([{"check":1}])", "type must be string");
  expect_refused<JudgeVerdict>(R"("3")", "judge verdict: expected an object, got string");
  expect_refused<Race>(R"({"repeats":"2"})", "type must be number");
}

// The exact JSON each field list writes: the shapes stores already hold (these strings
// were written by the to_json functions the field lists replaced), empty values left
// out or null as before, derived keys (simulated, env_keys) written, a runner's ids only
// with a runner, tool_times only with tools.
TEST(Records, FieldListsWriteTheShapesStoresHold) {
  ContenderConfig c;
  c.name = "a";
  c.scaffold = "command";
  c.model = "m";
  c.command = {"x", "{prompt}"};
  c.env = {{"K", "secret"}};
  c.labels = {"local"};
  c.notes = "n";
  c.agent_seconds = 30;
  c.price.hourly_usd = 2;
  c.price.output_per_mtok = 3;
  c.attachments = {{"f", "body"}};
  c.endpoint = EndpointConfig{"http://h", "openai-chat", "KEY", "zero"};
  ContenderConfig bare;
  bare.name = "b";
  AgentReport r;
  r.turns = 2;
  r.stop_reason = "end";
  r.tools = {{"bash", Span{0, 1500000000}, 1, true}, {"edit", std::nullopt, std::nullopt, false}};
  r.tool_times = "agent";
  AgentReport r2;
  r2.tool_times = "agent";
  r2.reported_error = true;
  Race race;
  race.name = "r";
  race.tasks = {"t"};
  race.judge = Judge{"jm", {"http://j", "openai-chat", "", ""}};
  TaskCard card;
  card.id = "t";
  card.grades[2] = "works";
  card.tests = {{"fail_to_pass", "n", "c", "", {}}, {"strict", "m", "d", "pytest", {}}};
  card.origin = TaskOrigin{"swe-bench", "x-1", {{"repo", "o/r"}}};
  core::HostInfo h;
  h.cores = 4;
  h.host = "h";
  h.preparation = core::Preparation{1, 0.5, {{"k", 2, true}}, 2};
  const std::pair<json, const char*> shapes[] = {
      {json(c),
       R"({"agent_seconds":30,"attachments":[{"content":"body","name":"f"}],"command":["x","{prompt}"],"cross":"","endpoint":{"api_key_env":"KEY","protocol":"openai-chat","sim":"zero","simulated":true,"url":"http://h"},"env_keys":["K"],"hourly_usd":2.0,"labels":["local"],"model":"m","name":"a","notes":"n","price":{"output_per_mtok":3.0},"scaffold":"command"})"},
      {json(bare),
       R"({"attachments":[],"command":[],"cross":"","endpoint":null,"env_keys":[],"labels":[],"model":"","name":"b","notes":"","scaffold":""})"},
      {json(r),
       R"({"stop_reason":"end","tool_times":"agent","tools":[{"duration_s":1.5,"error":true,"exit_code":1,"name":"bash"},{"name":"edit"}],"turns":2})"},
      {json(r2),
       R"({"reported_error":true})"},
      {json(TimeSplit{10, 6, 3, 1, 0.5, 0.25, 3, 2, true, "", 0.5, std::nullopt}),
       R"({"before_first_call_s":0.5,"calls":3,"model_s":6.0,"network_s":0.5,"scaffold_s":1.0,"server_timed_calls":2,"setup_s":0.25,"tool_s":3.0,"tools_from_agent":true,"wall_s":10.0})"},
      {json(race),
       R"({"contenders":[],"jobs":1,"judge":{"model":"jm","protocol":"openai-chat","sim":"","simulated":false,"url":"http://j"},"name":"r","repeats":1,"sandbox":"bwrap","suite":"","tasks":["t"]})"},
      {json(card),
       R"({"fix":"","grades":{"basic":"","complete":"","miss":"","solid":"works"},"id":"t","language":"","origin":{"id":"x-1","kind":"swe-bench","repo":"o/r"},"repo":"","statement":"","tags":[],"tests":[{"cmd":"c","name":"n","tier":"fail_to_pass"},{"cmd":"d","ids":[],"name":"m","runner":"pytest","tier":"strict"}],"title":""})"},
      {json(h),
       R"({"cores":4,"host":"h","preparation":{"environments":[{"build_s":2.0,"key":"k","reused":true}],"environments_s":2.0,"repos":1,"repos_s":0.5}})"},
      {json(JudgeVerdict{std::nullopt, "why", 2, ""}),
       R"({"grade":null,"reasons":"why","tries":2})"},
      {json(HygieneFlag{"a", "b"}),
       R"({"check":"a","detail":"b"})"},
  };
  for (const auto& [written, stored] : shapes) EXPECT_EQ(written.dump(), stored);
}

TEST(Records, AgentReportRoundTripsAndKeepsToolDurations) {
  AgentReport r;
  r.turns = 4;
  r.tool_calls = 2;
  r.input_tokens = 1200;
  r.output_tokens = 300;
  r.own_duration_s = 12.5;
  r.reported_error = true;
  r.error_message = "max turns";
  r.stop_reason = "max_turns";
  r.tools = {{"bash", Span{1'000'000'000, 3'500'000'000}, 0, false}, {"edit", std::nullopt, std::nullopt, true}};
  r.tool_times = "agent";
  r.version = "1.2.3";
  expect_round_trip(r);
  const auto back = json(r).get<AgentReport>();
  ASSERT_TRUE(back.tools[0].timed());
  EXPECT_EQ(back.tools[0].span->ns(), 2'500'000'000);
  EXPECT_FALSE(back.tools[1].timed());
  EXPECT_EQ(json(AgentReport{}), json::object());  // only what the agent said
}

TEST(Records, TimeSplitJudgeHygieneAndRaceRoundTrip) {
  expect_round_trip(TimeSplit{10, 6, 3, 1, 0.5, 0.25, 3, 2, true, "rusage file ignored", 0.5, 1.5});
  const auto old = test::parse_record<TimeSplit>(R"({"model_s":2,"wall_s":4})");
  EXPECT_FALSE(old.server_timed_calls);  // stored before it was kept
  expect_round_trip(JudgeVerdict{2, "fine", 1, ""});
  expect_round_trip(JudgeVerdict{std::nullopt, "", 3, "no answer"});
  expect_round_trip(std::vector<HygieneFlag>{{"debug_leftovers", "a.py:3"}, {"tampered", "conftest.py"}});
  Race race;
  race.name = "nightly";
  race.suite = "/suites/s";
  race.tasks = {"t1"};
  race.repeats = 3;
  race.agent_seconds = 300;
  race.judge = Judge{"judge-model", {"http://judge:8000", "openai-chat", "", ""}};
  race.contenders = {full_contender()};
  expect_round_trip(race);
  EXPECT_EQ(json(race)["judge"].count("api_key_env"), 0u);
}

TEST(Records, TaskCardRoundTripsWithItsOrigin) {
  TaskCard t{"t1", "Off by one", "python", {"parser"}, "It drops the last line.", {"a", "b", "c", "d"},
             "https://x/r@abc", {{"fail_to_pass", "last", "pytest -k last"}}, 900, std::nullopt, "diff --git\n"};
  expect_round_trip(t);
  t.origin = TaskOrigin{"swe-bench", "django__django-11099", {{"repo", "django/django"}, {"version", "3.0"}}};
  expect_round_trip(t);
  EXPECT_EQ(json(t)["origin"], json::parse(R"({"id":"django__django-11099","kind":"swe-bench","repo":"django/django",)"
                                           R"("version":"3.0"})"));
  expect_refused<TaskCard>(R"({"origin":{"kind":"commit","repo":7}})", "type must be string");
}

TEST(Records, SimulatedByEndpointJudgeOrLabel) {
  Race race;
  race.contenders = {full_contender()};
  EXPECT_FALSE(race.simulated());
  race.contenders[0].labels.push_back("simulated");
  EXPECT_TRUE(race.simulated());
  race.contenders[0].labels.clear();
  race.contenders[0].endpoint->sim = "zero";
  EXPECT_TRUE(race.simulated());
  race.contenders[0].endpoint->sim.clear();
  race.judge = Judge{"j", {"", "openai-chat", "", "local"}};
  EXPECT_TRUE(race.simulated());
}

TEST(Records, TamperedDetail) {
  EXPECT_EQ(tampered_detail({}), "");
  EXPECT_EQ(tampered_detail({{"debug_leftovers", "x"}}), "");
  EXPECT_EQ(tampered_detail({{"tampered", ""}}), "tampered");
  EXPECT_EQ(tampered_detail({{"tampered", "conftest.py"}}), "conftest.py");
}

// The canonical form is documented (docs/contenders.md): a change to it changes every
// attempt id, so it is pinned here.
TEST(Identity, CanonicalJsonAndGoldenHash) {
  const auto id = identity(full_contender());
  const auto canonical = json(id).dump();
  EXPECT_EQ(canonical,
            R"({"agent_seconds":600,"command":["opencode","run"],"endpoint":{"api_key_env":"KEY","protocol":"openai-chat",)"
            R"("sim":"","url":"http://gpu:8000"},"env":{"API_KEY":"","MODE":""},"max_turns":40,"model":"qwen3-coder",)"
            R"("scaffold":"opencode"})");
  EXPECT_EQ(config_hash(id), core::sha256_hex(canonical));
  EXPECT_EQ(config_hash(id), "49d5bb3b792662be7999885937e32cd548d7ccd2f5349208d6aa14eca8f7e072");
  ContenderConfig bare;
  bare.scaffold = "nop";
  EXPECT_EQ(json(identity(bare)).dump(),
            R"({"agent_seconds":null,"command":[],"endpoint":null,"env":{},"max_turns":null,"model":"","scaffold":"nop"})");
}

TEST(Identity, CoversWhatChangesBehaviourOnly) {
  const auto base = config_hash(identity(full_contender()));
  const auto changed = [&](auto edit) {
    auto c = full_contender();
    edit(c);
    return config_hash(identity(c)) != base;
  };
  EXPECT_TRUE(changed([](ContenderConfig& c) { c.scaffold = "codex"; }));
  EXPECT_TRUE(changed([](ContenderConfig& c) { c.model = "other"; }));
  EXPECT_TRUE(changed([](ContenderConfig& c) { c.command.push_back("--fast"); }));
  EXPECT_TRUE(changed([](ContenderConfig& c) { c.env["API_KEY"] = "other"; }));
  EXPECT_TRUE(changed([](ContenderConfig& c) { c.agent_seconds = 601; }));
  EXPECT_TRUE(changed([](ContenderConfig& c) { c.max_turns.reset(); }));
  EXPECT_TRUE(changed([](ContenderConfig& c) { c.endpoint->url = "http://gpu:8001"; }));
  EXPECT_TRUE(changed([](ContenderConfig& c) { c.endpoint->key_env = "OTHER"; }));
  EXPECT_TRUE(changed([](ContenderConfig& c) { c.endpoint.reset(); }));
  EXPECT_FALSE(changed([](ContenderConfig& c) { c.name = "renamed"; }));
  EXPECT_FALSE(changed([](ContenderConfig& c) { c.labels = {"hosted"}; }));
  EXPECT_FALSE(changed([](ContenderConfig& c) { c.notes = "other"; }));
  EXPECT_FALSE(changed([](ContenderConfig& c) { c.price.hourly_usd = 9; }));
  EXPECT_FALSE(changed([](ContenderConfig& c) { c.attachments.clear(); }));
  EXPECT_FALSE(changed([](ContenderConfig& c) { c.cross.clear(); }));
  EXPECT_FALSE(changed([](ContenderConfig& c) { c.optional = true; }));
}

}  // namespace
}  // namespace agentrace::record
