#include "cluster/plan.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/fs.hpp"

namespace agentrace::cluster {
namespace fs = std::filesystem;

namespace {

constexpr int kPlanVersion = 1;

std::string absolute_or_empty(const std::string& path) {
  return path.empty() ? path : fs::absolute(path).lexically_normal().string();
}

nlohmann::json args_json(const RaceArgs& a) {
  return {{"race_file", absolute_or_empty(a.race_file)}, {"suite", absolute_or_empty(a.suite)},
          {"contenders", a.contenders}, {"tasks", a.tasks}, {"name", a.name}, {"sandbox", a.sandbox},
          {"repeats", a.repeats}, {"jobs", a.jobs}, {"agent_seconds", a.agent_seconds},
          {"stall_seconds", a.stall_seconds}};
}

RaceArgs args_from(const nlohmann::json& j) {
  RaceArgs a;
  a.race_file = j.at("race_file").get<std::string>();
  a.suite = j.at("suite").get<std::string>();
  a.contenders = j.at("contenders").get<std::vector<std::string>>();
  a.tasks = j.at("tasks").get<std::vector<std::string>>();
  a.name = j.at("name").get<std::string>();
  a.sandbox = j.at("sandbox").get<std::string>();
  a.repeats = j.at("repeats").get<int>();
  a.jobs = j.at("jobs").get<int>();
  a.agent_seconds = j.at("agent_seconds").get<int>();
  a.stall_seconds = j.at("stall_seconds").get<int>();
  return a;
}

race::RaceSpec base_spec(const RaceArgs& a, const std::optional<std::string>& race_text) {
  if (race_text) return race::parse_race_file(*race_text, a.race_file);
  if (!a.race_file.empty()) return race::parse_race_file(core::read_file(a.race_file), a.race_file);
  if (a.suite.empty()) throw core::UsageError("give a race file or --suite DIR (with --contender oracle,nop,...)");
  race::RaceSpec spec;
  spec.name = "race";
  return spec;
}

}  // namespace

race::RaceSpec build_spec(const RaceArgs& a, const std::optional<std::string>& race_text) {
  if (!race_text && !a.race_file.empty() && !fs::exists(a.race_file))
    throw core::UsageError(fmt::format("race file {} does not exist", a.race_file));
  auto spec = base_spec(a, race_text);
  if (!a.suite.empty()) spec.suite_dir = a.suite;
  if (!a.contenders.empty()) {
    spec.contenders.clear();
    for (const auto& c : a.contenders) {
      scaffold::ContenderConfig cc;
      cc.name = c;
      cc.scaffold = c;
      spec.contenders.push_back(cc);
    }
  }
  if (!a.tasks.empty()) {
    spec.task_filter = a.tasks;
    spec.tasks_line = spec.tasks_column = 0;  // errors name --task, not the race file
  }
  if (!a.name.empty()) spec.name = a.name;
  if (!a.sandbox.empty()) spec.sandbox = a.sandbox;
  if (a.repeats > 0) spec.repeats = a.repeats;
  if (a.jobs > 0) spec.jobs = a.jobs;
  if (a.agent_seconds > 0) spec.agent_seconds = a.agent_seconds;
  if (a.stall_seconds > 0) spec.stall_seconds = a.stall_seconds;
  race::finalize_contenders(spec);
  return spec;
}

std::string plan_text(const Plan& p) {
  nlohmann::json j = {{"agentrace_plan", kPlanVersion}, {"race_id", p.race_id}, {"args", args_json(p.args)},
                      {"attempts", p.attempts}};
  if (p.race_text) j["race_text"] = *p.race_text;
  return j.dump(2) + "\n";
}

void write_plan(const Plan& p, const fs::path& file) { core::write_file(file, plan_text(p)); }

std::vector<std::string> unfinished_attempts(const Plan& plan, store::Store& db) {
  const auto states = db.attempt_states(plan.race_id);
  std::vector<std::string> out;
  for (const auto& id : plan.attempts) {
    const auto it = states.find(id);
    if (it == states.end() || (it->second != store::AttemptState::done && it->second != store::AttemptState::timed_out))
      out.push_back(id);
  }
  return out;
}

Plan read_plan(const fs::path& file) {
  if (!fs::exists(file)) throw core::UsageError(fmt::format("plan {} does not exist (--plan)", file.string()));
  try {
    const auto j = nlohmann::json::parse(core::read_file(file));
    if (j.value("agentrace_plan", 0) != kPlanVersion)
      throw core::UsageError(fmt::format("{} is not an agentrace plan of version {} (write it again with "
                                         "`agentrace run ... --plan-only FILE`)", file.string(), kPlanVersion));
    Plan p;
    p.args = args_from(j.at("args"));
    if (j.contains("race_text")) p.race_text = j.at("race_text").get<std::string>();
    p.race_id = j.at("race_id").get<std::string>();
    p.attempts = j.at("attempts").get<std::vector<std::string>>();
    return p;
  } catch (const nlohmann::json::exception& e) {
    throw core::UsageError(fmt::format("plan {} is malformed: {}", file.string(), e.what()));
  }
}

std::pair<int, int> parse_shard(const std::string& text) {
  int k = -1, n = 0;
  char slash = 0, extra = 0;
  if (std::sscanf(text.c_str(), "%d%c%d%c", &k, &slash, &n, &extra) != 3 || slash != '/' || n < 1 || k < 0 || k >= n)
    throw core::UsageError(fmt::format("--shard {}: give K/N with 0 <= K < N, e.g. 0/4", text));
  return {k, n};
}

std::vector<std::string> shard_of(const std::vector<std::string>& attempts, int k, int n) {
  std::vector<std::string> out;
  for (std::size_t i = static_cast<std::size_t>(k); i < attempts.size(); i += static_cast<std::size_t>(n))
    out.push_back(attempts[i]);
  return out;
}

}  // namespace agentrace::cluster
