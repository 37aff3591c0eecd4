#pragma once
// `agentrace run --on slurm`: one submission is a folder SHARED/submit-<k>/ holding the
// plan, the batch script (a job array, one worker per array task, kept so a user can
// read and adapt it), the job id and one store and log per shard. The submitting process
// follows the array with squeue, merges each shard's store into the race's store once its
// array task has ended, and on Ctrl-C cancels the job (scancel). Shard stores are each
// written by one node; only this process writes the race's store.
#include <filesystem>
#include <string>
#include <vector>

#include "cluster/plan.hpp"
#include "store/store.hpp"

namespace agentrace::cluster {

struct SlurmOptions {
  std::filesystem::path shared_dir;  // seen by every node at the same path
  std::filesystem::path binary;      // agentrace, at the same path on every node
  int shards = 4;                    // array tasks, one node each
  std::string partition, time;
  std::vector<std::string> sbatch_args;
};

struct SlurmRun {
  int submitted = 0;   // attempts sent to the cluster now (0: nothing left to run)
  int shards = 0;
  std::string job;     // the array's job id
  int unfinished = 0;  // attempts of the race not finished when the job ended
  bool cancelled = false;
  double seconds = 0;
};

// The batch script of one submission (a job array of opts.shards tasks).
std::string batch_script(const Plan& plan, const SlurmOptions& opts, const std::filesystem::path& submit_dir, int shards);

// Merges what earlier submissions left (refusing while one is still queued or running),
// submits the plan's attempts that the store has not finished, follows and merges.
SlurmRun run_on_slurm(const Plan& plan, store::Store& db, const SlurmOptions& opts);

}  // namespace agentrace::cluster
