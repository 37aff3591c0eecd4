#include "grade/review.hpp"

#include <algorithm>
#include <set>

#include "core/error.hpp"
#include "core/hash.hpp"

namespace agentrace::grade {

std::vector<std::string> review_queue(store::Store& db, const std::string& race_id, const std::string& reviewer) {
  std::set<std::string> done;
  for (const auto& r : db.reviews(race_id)) {
    if (r.reviewer == reviewer) done.insert(r.attempt_id);
  }
  std::vector<std::pair<std::string, std::string>> keyed;
  for (const auto& a : db.attempts(race_id)) {
    if (!a.grade || a.state == store::AttemptState::infra_error || done.count(a.id)) continue;
    keyed.emplace_back(core::Sha256().add_field(reviewer).add_field(a.id).hex(), a.id);
  }
  std::sort(keyed.begin(), keyed.end());
  std::vector<std::string> out;
  for (auto& [key, id] : keyed) out.push_back(std::move(id));
  return out;
}

nlohmann::json review_item(store::Store& db, const std::string& race_id, const std::string& attempt_id) {
  const auto attempts = db.attempts(race_id);
  const auto it = std::find_if(attempts.begin(), attempts.end(), [&](const auto& a) { return a.id == attempt_id; });
  if (it == attempts.end()) throw core::UsageError("no attempt " + attempt_id + " in this race");
  record::TaskCard task;
  for (const auto& t : db.tasks(race_id)) {
    if (t.hash == it->task_hash) task = t.card;
  }
  nlohmann::json tests = nlohmann::json::array();
  for (const auto& o : db.outcomes(race_id)) {
    if (o.attempt_id != attempt_id) continue;
    tests.push_back({{"tier", o.tier}, {"name", o.name}, {"passed", o.passed}, {"exit_code", o.exit_code},
                     {"timed_out", o.timed_out}, {"output_tail", o.output_tail}});
  }
  nlohmann::json item;
  item["attempt_id"] = it->id;
  const nlohmann::json card = task;
  item["task"] = {{"id", it->task_id}, {"title", task.title}, {"statement", task.statement}, {"grades", card["grades"]}};
  item["fix"] = task.fix;
  item["diff"] = it->diff;
  item["tests"] = tests;
  item["hygiene"] = it->hygiene;
  return item;
}

}  // namespace agentrace::grade
