#pragma once
// A task as the store keeps it for the report and the review page: what it asks, what
// each grade means, its tests and the fix that shipped (suite/task.hpp is the task as
// loaded; race/race.cpp makes this from it).
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace agentrace::record {

struct TaskTest {
  std::string tier;  // setup | fail_to_pass | strict | pass_to_pass
  std::string name;
  std::string cmd;
  std::string runner;             // pytest, jest, ... ("" = a plain command)
  std::vector<std::string> ids;   // the test ids the runner reports
};

// Where a task came from (suite::Origin): kind (swe-bench, harbor, commit), its id there,
// and that source's own fields, kept for exports such as predictions.
struct TaskOrigin {
  std::string kind, id;
  std::vector<std::pair<std::string, std::string>> fields;
};

struct TaskCard {
  std::string id, title, language;
  std::vector<std::string> tags;
  std::string statement;
  std::string grades[4];  // what miss, basic, solid and complete mean for this task
  std::string repo;       // url@commit, or the local repository's folder name
  std::vector<TaskTest> tests;
  std::optional<int> agent_seconds;
  std::optional<TaskOrigin> origin;
  std::string fix;        // the shipped fix, shown beside attempts' diffs
};

// {id, title, language, tags, statement, grades: {miss, basic, solid, complete}, repo,
// tests: [{tier, name, cmd, and runner, ids with a runner}], agent_seconds, origin: {kind, id, its fields...}, fix}
void to_json(nlohmann::json& j, const TaskTest& t);
void from_json(const nlohmann::json& j, TaskTest& t);
void to_json(nlohmann::json& j, const TaskOrigin& o);
void from_json(const nlohmann::json& j, TaskOrigin& o);
void to_json(nlohmann::json& j, const TaskCard& t);
void from_json(const nlohmann::json& j, TaskCard& t);

}  // namespace agentrace::record
