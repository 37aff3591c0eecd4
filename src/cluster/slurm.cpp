#include "cluster/slurm.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "cluster/merge.hpp"
#include "cluster/tool.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/shell.hpp"
#include "proc/spawn.hpp"

namespace agentrace::cluster {
namespace fs = std::filesystem;
namespace {


fs::path shard_store(const fs::path& submit_dir, int k) { return submit_dir / fmt::format("shard-{}.db", k); }

// The array tasks of `job` that squeue still lists (pending or running): task -> state.
// An id squeue no longer knows is an array that has ended.
std::map<int, std::string> queued_tasks(const std::string& job) {
  const auto r = run_tool({"squeue", "-h", "-r", "-j", job, "-o", "%K %T"});
  std::map<int, std::string> out;
  if (!r.ok()) {
    if (r.err.find("Invalid job id") != std::string::npos) return out;
    throw core::InfraError(fmt::format("squeue -j {} failed ({}): {}", job, r.exit_code, r.err));
  }
  std::istringstream in(r.out);
  std::string task, state;
  while (in >> task >> state) {
    if (task.find_first_not_of("0123456789") == std::string::npos) out[std::stoi(task)] = state;
  }
  return out;
}

std::vector<fs::path> earlier_submissions(const fs::path& shared) {
  std::vector<fs::path> out;
  if (!fs::is_directory(shared)) return out;
  for (const auto& e : fs::directory_iterator(shared)) {
    if (e.path().filename().string().rfind("submit-", 0) == 0 && fs::exists(e.path() / "job-id")) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Says what the shard brought; an earlier shard merged before brings nothing and says nothing.
void merge_shard(const fs::path& db, const fs::path& shard, const std::string& what, bool earlier = false) {
  if (!fs::exists(shard)) {
    if (!earlier) fmt::print(stderr, "{}: no store (it never started a worker; see its log)\n", what);
    return;
  }
  const auto n = merge_store(db, shard);
  if (!earlier || n.added + n.replaced > 0)
    fmt::print(stderr, "{} merged: {} attempts added, {} replaced\n", what, n.added, n.replaced);
}

// What earlier submissions left goes into the store first, so a rerun sends only what
// is still unfinished; one still queued would run attempts twice, so it stops the run.
void merge_earlier(const fs::path& shared, store::Store& db) {
  for (const auto& dir : earlier_submissions(shared)) {
    const auto job = core::read_file(dir / "job-id");
    if (!queued_tasks(job).empty())
      throw core::UsageError(fmt::format("job {} of an earlier submission ({}) is still queued or running: wait for "
                                         "it, or cancel it with `scancel {}`, then run again", job, dir.string(), job));
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.path().extension() == ".db") merge_shard(db.file(), e.path(), fmt::format("earlier shard {}", e.path().string()), true);
    }
  }
}

fs::path next_submit_dir(const fs::path& shared) {
  for (int k = 1;; ++k) {
    auto dir = shared / fmt::format("submit-{}", k);
    if (!fs::exists(dir)) return dir;
  }
}

std::string submit(const fs::path& script) {
  const auto r = run_tool({"sbatch", "--parsable", script.string()});
  if (!r.ok()) throw core::InfraError(fmt::format("sbatch {} failed ({}): {}", script.string(), r.exit_code, r.err));
  auto job = r.out.substr(0, r.out.find_first_of(";\n"));
  if (job.empty() || job.find_first_not_of("0123456789") != std::string::npos)
    throw core::InfraError(fmt::format("sbatch printed no job id: {}", r.out));
  return job;
}

// Sleeps up to `wait` in small steps, returning early on a cancel request.
void nap(std::chrono::milliseconds wait) {
  for (auto t = std::chrono::milliseconds(0); t < wait && !proc::cancel_requested(); t += std::chrono::milliseconds(100))
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

class Follower {
 public:
  Follower(const Plan& plan, store::Store& db, fs::path dir, std::string job, int shards)
      : plan_(plan), db_(db), dir_(std::move(dir)), job_(std::move(job)), shards_(shards),
        tty_(isatty(STDERR_FILENO) != 0), start_(core::Clock::now()) {}

  // Until every array task has ended and its store is merged; scancel on a cancel request.
  bool follow() {
    bool cancelled = false;
    for (;;) {
      if (proc::cancel_requested() && !cancelled) {
        cancelled = true;
        run_tool({"scancel", job_});
        fmt::print(stderr, "{}interrupted: cancelled job {} (scancel); merging what finished\n", tty_ ? "\n" : "", job_);
      }
      const auto queued = queued_tasks(job_);
      for (int k = 0; k < shards_; ++k) {
        if (!merged_.count(k) && !queued.count(k)) {
          merged_.insert(k);
          clear_line();
          merge_shard(db_.file(), shard_store(dir_, k), fmt::format("shard {} (job {}_{})", k, job_, k));
        }
      }
      if (static_cast<int>(merged_.size()) == shards_) break;
      show(queued);
      nap(std::chrono::milliseconds(1000));
    }
    clear_line();
    return cancelled;
  }

 private:
  void clear_line() {
    if (tty_ && shown_) fmt::print(stderr, "\r\033[K");
    shown_ = false;
  }
  void show(const std::map<int, std::string>& queued) {
    if (!tty_) return;
    const int total = static_cast<int>(plan_.attempts.size());
    const int done = total - static_cast<int>(unfinished_attempts(plan_, db_).size());
    int running = 0;
    for (const auto& [k, state] : queued) running += state == "RUNNING";
    const double elapsed = core::seconds_between(start_, core::Clock::now());
    const std::string eta = done > 0 ? fmt::format("{}s", std::lround(elapsed / done * (total - done))) : "?";
    fmt::print(stderr, "\r\033[K[{}/{}] {:3.0f}%  ETA {}  job {}: {} running, {} pending, {} ended", done, total,
               100.0 * done / std::max(1, total), eta, job_, running, queued.size() - running, merged_.size());
    std::fflush(stderr);
    shown_ = true;
  }
  const Plan& plan_;
  store::Store& db_;
  fs::path dir_;
  std::string job_;
  int shards_;
  bool tty_, shown_ = false;
  core::Clock::time_point start_;
  std::set<int> merged_;
};

}  // namespace

std::string batch_script(const Plan& plan, const SlurmOptions& opts, const fs::path& dir, int shards) {
  std::string s = fmt::format(
      "#!/bin/bash\n"
      "# agentrace race {} ({}): {} attempts in {} shards, one array task each.\n"
      "# Written by `agentrace run --on slurm`; adapt it and submit it again with `sbatch {}`.\n"
      "#SBATCH --job-name=agentrace-{}\n#SBATCH --array=0-{}\n#SBATCH --nodes=1\n#SBATCH --ntasks=1\n"
      "#SBATCH --output={}/shard-%a.log\n",
      plan.args.name.empty() ? "(from its race file)" : plan.args.name, plan.race_id, plan.attempts.size(), shards,
      (dir / "job.sbatch").string(), plan.race_id.substr(0, 8), shards - 1, dir.string());
  if (!opts.partition.empty()) s += fmt::format("#SBATCH --partition={}\n", opts.partition);
  if (!opts.time.empty()) s += fmt::format("#SBATCH --time={}\n", opts.time);
  for (const auto& a : opts.sbatch_args) s += fmt::format("#SBATCH {}\n", a);
  s += fmt::format(
      "set -euo pipefail\n"
      "# Repositories, attempt folders and the proxy's sockets stay on the node; only the\n"
      "# shard's store goes to the shared folder, written by this task alone.\n"
      "work=\"${{AGENTRACE_NODE_WORK:-${{TMPDIR:-/tmp}}}}/agentrace-${{SLURM_ARRAY_JOB_ID}}_${{SLURM_ARRAY_TASK_ID}}\"\n"
      "trap 'rm -rf \"$work\"' EXIT\n"
      "{} worker --plan {} --shard \"${{SLURM_ARRAY_TASK_ID}}/{}\" \\\n"
      "  --db {}\"/shard-${{SLURM_ARRAY_TASK_ID}}.db\" --work \"$work\"\n",
      core::shell_quote(opts.binary.string()), core::shell_quote((dir / "plan.json").string()), shards, core::shell_quote(dir.string()));
  return s;
}

SlurmRun run_on_slurm(const Plan& all, store::Store& db, const SlurmOptions& opts) {
  const auto started = core::Clock::now();
  merge_earlier(opts.shared_dir, db);
  SlurmRun out;
  Plan plan = all;
  plan.attempts = unfinished_attempts(all, db);
  if (plan.attempts.empty()) return out;
  out.submitted = static_cast<int>(plan.attempts.size());
  out.shards = std::min(opts.shards, out.submitted);
  const auto dir = fs::absolute(next_submit_dir(opts.shared_dir));
  fs::create_directories(dir);
  write_plan(plan, dir / "plan.json");
  core::write_file(dir / "job.sbatch", batch_script(plan, opts, dir, out.shards));
  out.job = submit(dir / "job.sbatch");
  core::write_file(dir / "job-id", out.job);
  fmt::print(stderr, "submitted {} attempts as job {} ({} array tasks); batch script {}\n", out.submitted, out.job,
             out.shards, (dir / "job.sbatch").string());
  out.cancelled = Follower(plan, db, dir, out.job, out.shards).follow();
  out.unfinished = static_cast<int>(unfinished_attempts(all, db).size());
  out.seconds = core::seconds_between(started, core::Clock::now());
  return out;
}

}  // namespace agentrace::cluster
