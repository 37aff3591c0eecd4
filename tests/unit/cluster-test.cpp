// The cluster module without a cluster: plans round-trip and split into disjoint shards,
// shard stores merge idempotently keeping the further copy of an attempt, and the
// Kubernetes manifests have the shape of an Indexed Job (checked offline).
#include <gtest/gtest.h>

#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cluster/kubernetes.hpp"
#include "cluster/merge.hpp"
#include "cluster/plan.hpp"
#include "cluster/slurm.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "store/store.hpp"

namespace agentrace::cluster {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

Plan sample_plan() {
  Plan p;
  p.args.suite = "/suites/starter";
  p.args.contenders = {"oracle", "nop"};
  p.args.repeats = 2;
  p.race_text = "name = \"x\"\n";
  p.args.race_file = "/races/x.toml";
  p.race_id = "race-0123456789ab";
  for (int i = 0; i < 7; ++i) p.attempts.push_back(fmt::format("attempt{}", i));
  return p;
}

TEST(ClusterPlan, RoundTripsThroughItsFile) {
  core::TempDir tmp("cluster-plan");
  const auto p = sample_plan();
  write_plan(p, tmp.path() / "plan.json");
  const auto back = read_plan(tmp.path() / "plan.json");
  EXPECT_EQ(back.race_id, p.race_id);
  EXPECT_EQ(back.attempts, p.attempts);
  EXPECT_EQ(back.race_text, p.race_text);
  EXPECT_EQ(back.args.contenders, p.args.contenders);
  EXPECT_EQ(back.args.repeats, 2);
  EXPECT_EQ(plan_text(back), plan_text(p));
  core::write_file(tmp.path() / "bad.json", "{\"agentrace_plan\": 1}");
  EXPECT_THROW(read_plan(tmp.path() / "bad.json"), core::UsageError);
  EXPECT_THROW(read_plan(tmp.path() / "missing.json"), core::UsageError);
}

TEST(ClusterPlan, ShardsAreDisjointAndCoverThePlan) {
  const auto p = sample_plan();
  std::multiset<std::string> seen;
  for (int k = 0; k < 3; ++k) {
    for (const auto& id : shard_of(p.attempts, k, 3)) seen.insert(id);
  }
  EXPECT_EQ(seen, std::multiset<std::string>(p.attempts.begin(), p.attempts.end()));
  EXPECT_EQ(shard_of(p.attempts, 1, 3), (std::vector<std::string>{"attempt1", "attempt4"}));
  EXPECT_TRUE(shard_of(p.attempts, 7, 8).empty());
  EXPECT_EQ(parse_shard("3/4"), std::make_pair(3, 4));
  for (const char* bad : {"4/4", "-1/4", "1/0", "1", "1/4x", "a/b"}) EXPECT_THROW(parse_shard(bad), core::UsageError) << bad;
}

TEST(ClusterSlurm, TheBatchScriptIsAnArrayOfWorkersWithTheUsersLines) {
  SlurmOptions o;
  o.binary = "/opt/agentrace";
  o.partition = "gpu";
  o.time = "02:00:00";
  o.sbatch_args = {"--gres=gpu:1"};
  const auto s = batch_script(sample_plan(), o, "/shared/submit-1", 3);
  for (const char* line : {"#!/bin/bash\n", "#SBATCH --array=0-2\n", "#SBATCH --partition=gpu\n",
                           "#SBATCH --time=02:00:00\n", "#SBATCH --gres=gpu:1\n",
                           "#SBATCH --output=/shared/submit-1/shard-%a.log\n",
                           "'/opt/agentrace' worker --plan '/shared/submit-1/plan.json' --shard \"${SLURM_ARRAY_TASK_ID}/3\""})
    EXPECT_NE(s.find(line), std::string::npos) << line << "\n" << s;
}

// The fields the batch/v1 Job and v1 ConfigMap schemas require, and what an Indexed Job
// of workers needs to be one.
TEST(ClusterKubernetes, TheManifestsAreAnIndexedJobWithThePlanAndASharedVolume) {
  KubernetesOptions o{"registry.example/agentrace:1", "agentrace", 5};
  const auto plan = sample_plan();
  const auto list = worker_manifests(plan, o);
  ASSERT_EQ(list.at("kind"), "List");
  std::map<std::string, json> by_kind;
  for (const auto& item : list.at("items")) {
    ASSERT_TRUE(item.contains("apiVersion") && item.contains("kind") && item.contains("metadata")) << item.dump();
    const std::string name = item.at("metadata").at("name");
    EXPECT_LE(name.size(), 63u);
    EXPECT_EQ(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-"), std::string::npos) << name;
    by_kind[item.at("kind")] = item;
  }
  const auto& config = by_kind.at("ConfigMap");
  EXPECT_EQ(config.at("data").at("plan.json").get<std::string>(), plan_text(plan));
  EXPECT_EQ(by_kind.at("PersistentVolumeClaim").at("spec").at("accessModes").at(0), "ReadWriteMany");
  const auto& job = by_kind.at("Job");
  EXPECT_EQ(job.at("apiVersion"), "batch/v1");
  const auto& spec = job.at("spec");
  EXPECT_EQ(spec.at("completionMode"), "Indexed");
  EXPECT_EQ(spec.at("completions"), 5);
  const auto& pod = spec.at("template").at("spec");
  EXPECT_EQ(pod.at("restartPolicy"), "Never");  // a Job's pods must not restart in place
  const auto& c = pod.at("containers").at(0);
  EXPECT_EQ(c.at("image"), o.image);
  const std::string command = c.at("command").at(2);
  EXPECT_NE(command.find("worker --plan /etc/agentrace/plan.json --shard \"$JOB_COMPLETION_INDEX/5\""), std::string::npos);
  EXPECT_NE(command.find("--db /shards/shard-$JOB_COMPLETION_INDEX.db"), std::string::npos);
  std::set<std::string> volumes, mounts;
  for (const auto& v : pod.at("volumes")) volumes.insert(v.at("name"));
  for (const auto& m : c.at("volumeMounts")) mounts.insert(m.at("name"));
  EXPECT_EQ(volumes, mounts);
  EXPECT_EQ(volumes, (std::set<std::string>{"plan", "shards", "work"}));
  const auto merge = merge_manifest(plan, o);
  EXPECT_EQ(merge.at("kind"), "Job");
  EXPECT_NE(merge.at("spec").at("template").at("spec").at("containers").at(0).at("command").at(2).get<std::string>().find(
                "merge --db /shards/merged.db /shards/shard-*.db"),
            std::string::npos);
  EXPECT_THROW(worker_manifests(plan, {}), core::UsageError);  // no image
}

store::AttemptRecord attempt(const std::string& id, store::AttemptState state, std::optional<int> grade) {
  store::AttemptRecord a;
  a.id = id;
  a.race_id = "race-1";
  a.task_id = "t1";
  a.task_hash = "h1";
  a.contender = "c1";
  a.state = state;
  a.grade = grade;
  a.ended_at = grade ? "2026-01-01T00:00:0" + std::to_string(*grade) + "Z" : "";
  return a;
}

// A shard store holding `copies` (planned, then claimed and finished as given).
void shard(const fs::path& file, const std::vector<store::AttemptRecord>& copies) {
  store::Store db(file);
  db.put_race({"race-1", "r", "", "", "", "none", {}, {}});
  db.plan(copies);
  for (const auto& a : copies) {
    if (a.state == store::AttemptState::planned) continue;
    ASSERT_EQ(db.claim({a.id}, {"owner", "node", 0, 1}), a.id);
    if (a.state != store::AttemptState::running) ASSERT_TRUE(db.finish(a, {{a.id, "fail_to_pass", "t", true, 0, false, 1, ""}}));
  }
}

TEST(ClusterMerge, IsIdempotentKeepsTheFurtherCopyAndSaysSo) {
  core::TempDir tmp("cluster-merge");
  using S = store::AttemptState;
  const auto a = tmp.path() / "a.db", b = tmp.path() / "b.db", c = tmp.path() / "c.db", target = tmp.path() / "m.db";
  shard(a, {attempt("x", S::done, 3), attempt("y", S::running, {}), attempt("z", S::planned, {})});
  shard(b, {attempt("y", S::done, 2), attempt("z", S::done, 1)});
  shard(c, {attempt("x", S::done, 1)});  // a second, different finished copy of x
  const auto first = merge_store(target, a);
  EXPECT_EQ(first.added, 3);
  testing::internal::CaptureStderr();
  const auto second = merge_store(target, b);
  const auto third = merge_store(target, c);
  const auto said = testing::internal::GetCapturedStderr();
  EXPECT_EQ(second.replaced, 2);  // y (running -> done), z (planned -> done)
  EXPECT_EQ(second.conflicts, 1);  // y was started in both
  EXPECT_EQ(third.replaced, 0);
  EXPECT_EQ(third.conflicts, 1);
  EXPECT_NE(said.find("attempt x has two copies"), std::string::npos) << said;
  const auto again = merge_store(target, b);  // idempotent
  EXPECT_EQ(again.added + again.replaced + again.conflicts, 0);
  store::Store m(target);
  std::map<std::string, std::optional<int>> grades;
  for (const auto& r : m.attempts("race-1")) grades[r.id] = r.grade;
  EXPECT_EQ(grades, (std::map<std::string, std::optional<int>>{{"x", 3}, {"y", 2}, {"z", 1}}));
  EXPECT_EQ(m.outcomes("race-1").size(), 3u);  // one per kept copy, none twice
  EXPECT_EQ(m.races().size(), 1u);
  EXPECT_THROW(merge_store(target, target), core::UsageError);
  EXPECT_THROW(merge_store(target, tmp.path() / "missing.db"), core::UsageError);
  core::write_file(tmp.path() / "junk.db", std::string(4096, 'x'));
  EXPECT_THROW(merge_store(target, tmp.path() / "junk.db"), core::InfraError);
}

}  // namespace
}  // namespace agentrace::cluster
