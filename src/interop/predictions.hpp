#pragma once
// `agentrace report --format swe-bench`: predictions JSONL, one line per task and
// contender ({"instance_id", "model_name_or_path", "model_patch"}), so SWE-bench's own
// harness can check the diffs agentrace's attempts produced.
#include <string>

#include "store/store.hpp"

namespace agentrace::interop {

// instance_id is the task's [origin] id when it came from SWE-bench, else the task id;
// model_name_or_path the contender; model_patch the diff of its first finished repeat.
// Attempts that ended in an infrastructure error have no diff and are left out.
std::string swe_bench_predictions(store::Store& db, const std::string& race_id);

}  // namespace agentrace::interop
