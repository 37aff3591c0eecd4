#include "record/task.hpp"

#include "core/json-fields.hpp"

namespace agentrace::record {

using core::expect_object;
using core::read;
using core::write;
namespace {
constexpr const char* kGradeKeys[] = {"miss", "basic", "solid", "complete"};
}

void to_json(nlohmann::json& j, const TaskTest& t) {
  j = {{"tier", t.tier}, {"name", t.name}, {"cmd", t.cmd}};
  if (t.runner.empty()) return;
  j["runner"] = t.runner;
  j["ids"] = t.ids;
}

void from_json(const nlohmann::json& j, TaskTest& t) {
  expect_object(j, "task test");
  t = {};
  read(j, "tier", t.tier);
  read(j, "name", t.name);
  read(j, "cmd", t.cmd);
  read(j, "runner", t.runner);
  read(j, "ids", t.ids);
}

void to_json(nlohmann::json& j, const TaskOrigin& o) {
  j = {{"kind", o.kind}, {"id", o.id}};
  for (const auto& [k, v] : o.fields) j[k] = v;
}

void from_json(const nlohmann::json& j, TaskOrigin& o) {
  expect_object(j, "task origin");
  o = {};
  read(j, "kind", o.kind);
  read(j, "id", o.id);
  for (const auto& [k, v] : j.items())
    if (k != "kind" && k != "id") o.fields.emplace_back(k, v.get<std::string>());
}

void to_json(nlohmann::json& j, const TaskCard& t) {
  auto grades = nlohmann::json::object();
  for (int g = 0; g < 4; ++g) grades[kGradeKeys[g]] = t.grades[g];
  j = {{"id", t.id},       {"title", t.title}, {"language", t.language}, {"tags", t.tags},
       {"statement", t.statement}, {"grades", grades}, {"repo", t.repo},  {"tests", t.tests}, {"fix", t.fix}};
  write(j, "agent_seconds", t.agent_seconds);
  write(j, "origin", t.origin);
}

void from_json(const nlohmann::json& j, TaskCard& t) {
  expect_object(j, "task");
  t = {};
  read(j, "id", t.id);
  read(j, "title", t.title);
  read(j, "language", t.language);
  read(j, "tags", t.tags);
  read(j, "statement", t.statement);
  if (const auto it = j.find("grades"); it != j.end() && !it->is_null()) {
    expect_object(*it, "task grades");
    for (int g = 0; g < 4; ++g) read(*it, kGradeKeys[g], t.grades[g]);
  }
  read(j, "repo", t.repo);
  read(j, "tests", t.tests);
  read(j, "agent_seconds", t.agent_seconds);
  read(j, "origin", t.origin);
  read(j, "fix", t.fix);
}

}  // namespace agentrace::record
