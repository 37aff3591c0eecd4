#pragma once
// A plan: everything a worker on another node needs to run its share of a race exactly
// as `agentrace run` would here: the race file's text, run's flags, the race id and the
// attempts still to run. Written as JSON by `run --plan-only` and by `run --on slurm`
// and `--on kubernetes`; read by `agentrace worker`. Paths in it are absolute, so the
// suite must be at the same path on every node (a shared, read-only folder).
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "race/race-spec.hpp"
#include "store/store.hpp"

namespace agentrace::cluster {

// The flags of `agentrace run` that define a race (the race file aside).
struct RaceArgs {
  std::string race_file;
  std::string suite;
  std::vector<std::string> contenders;
  std::vector<std::string> tasks;
  std::string name;
  std::string sandbox;
  int repeats = 0;
  int jobs = 0;
  int agent_seconds = 0;
  int stall_seconds = 0;
};

// The race the flags describe; `race_text` stands in for the race file's content when given.
race::RaceSpec build_spec(const RaceArgs& a, const std::optional<std::string>& race_text = std::nullopt);

struct Plan {
  RaceArgs args;
  std::optional<std::string> race_text;  // the race file as it was when planned
  std::string race_id;
  std::vector<std::string> attempts;  // the ids still to run, in the race's order
};

Plan read_plan(const std::filesystem::path& file);
std::string plan_text(const Plan& plan);  // JSON
void write_plan(const Plan& plan, const std::filesystem::path& file);
// The plan's attempts that `db` holds as neither done nor timed out, in the plan's order.
std::vector<std::string> unfinished_attempts(const Plan& plan, store::Store& db);

// "K/N" (0 <= K < N) -> {K, N}; throws core::UsageError naming --shard otherwise.
std::pair<int, int> parse_shard(const std::string& text);
// Shard K of N: every N-th attempt from the K-th, so each shard gets a mix of tasks.
std::vector<std::string> shard_of(const std::vector<std::string>& attempts, int k, int n);

}  // namespace agentrace::cluster
