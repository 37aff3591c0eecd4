#include "record/task.hpp"

#include "core/json-fields.hpp"

namespace agentrace::record {

using core::Rule;
namespace {
constexpr const char* kGradeKeys[] = {"miss", "basic", "solid", "complete"};
}

// A runner's test ids are kept with its name, only when it has one.
template <class V>
void fields(V& v, TaskTest& t) {
  v("tier", t.tier);
  v("name", t.name);
  v("cmd", t.cmd);
  if (!V::writing || !t.runner.empty()) {
    v("runner", t.runner);
    v("ids", t.ids);
  }
}

// An origin's own fields (an importer's, by name) sit beside its kind and id.
template <class V>
void fields(V& v, TaskOrigin& o) {
  v("kind", o.kind);
  v("id", o.id);
}

template <class V>
void fields(V& v, TaskCard& t) {
  v("id", t.id);
  v("title", t.title);
  v("language", t.language);
  v("tags", t.tags);
  v("statement", t.statement);
  v.nested("grades", [&](auto& grades) {
    for (int g = 0; g < 4; ++g) grades(kGradeKeys[g], t.grades[g]);
  });
  v("repo", t.repo);
  v("tests", t.tests);
  v("agent_seconds", t.agent_seconds);
  v("origin", t.origin);
  v("fix", t.fix);
}

void to_json(nlohmann::json& j, const TaskTest& t) { core::write_fields(j, t); }
void from_json(const nlohmann::json& j, TaskTest& t) { core::read_fields(j, t, "task test"); }

void to_json(nlohmann::json& j, const TaskOrigin& o) {
  core::write_fields(j, o);
  for (const auto& [k, v] : o.fields) j[k] = v;
}

void from_json(const nlohmann::json& j, TaskOrigin& o) {
  core::read_fields(j, o, "task origin");
  for (const auto& [k, v] : j.items())
    if (k != "kind" && k != "id") o.fields.emplace_back(k, v.get<std::string>());
}

void to_json(nlohmann::json& j, const TaskCard& t) { core::write_fields(j, t); }
void from_json(const nlohmann::json& j, TaskCard& t) { core::read_fields(j, t, "task"); }

}  // namespace agentrace::record
