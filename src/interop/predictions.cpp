#include "interop/predictions.hpp"

#include <map>

#include <nlohmann/json.hpp>

namespace agentrace::interop {

std::string swe_bench_predictions(store::Store& db, const std::string& race_id) {
  std::map<std::string, std::string> instance;  // task hash -> instance id
  for (const auto& t : db.tasks(race_id)) {
    const auto& origin = t.card.origin;
    instance[t.hash] = origin && origin->kind == "swe-bench" && !origin->id.empty() ? origin->id : t.id;
  }
  // (instance id, contender) -> its first finished repeat; lines come out in that order
  std::map<std::pair<std::string, std::string>, const store::AttemptRecord*> first;
  const auto attempts = db.attempts(race_id);
  for (const auto& a : attempts) {
    if (a.state != store::AttemptState::done && a.state != store::AttemptState::timed_out) continue;
    auto& slot = first[{instance.count(a.task_hash) ? instance[a.task_hash] : a.task_id, a.contender}];
    if (!slot || a.repeat < slot->repeat) slot = &a;
  }
  std::string out;
  for (const auto& [key, a] : first) {
    out += nlohmann::json{{"instance_id", key.first},
                          {"model_name_or_path", key.second},
                          {"model_patch", a->diff}}
               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  return out;
}

}  // namespace agentrace::interop
