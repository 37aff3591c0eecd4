#pragma once
// Blind human review: which attempts a reviewer still has to grade, and what the
// review page shows of each — never the contender's name or anything that tells it.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/store.hpp"

namespace agentrace::grade {

// Graded attempts (infrastructure failures excluded) this reviewer has not reviewed,
// in an order shuffled per reviewer (stable: hash of reviewer and attempt id), so the
// order gives no hint of the contender either.
std::vector<std::string> review_queue(store::Store& db, const std::string& race_id, const std::string& reviewer);

// The page's data for one attempt: task statement, grade meanings, shipped fix and the
// attempt's diff, test outcomes, hygiene flags. No contender, no model, no timings, and
// not the automatic grade (the reviewer should not be anchored by it).
nlohmann::json review_item(store::Store& db, const std::string& race_id, const std::string& attempt_id);

}  // namespace agentrace::grade
