#include "cluster/kubernetes.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/fs.hpp"

namespace agentrace::cluster {
namespace fs = std::filesystem;
namespace {

using nlohmann::json;

constexpr const char* kPlanDir = "/etc/agentrace";
constexpr const char* kShardDir = "/shards";

// Kubernetes names: lowercase alphanumerics and '-', at most 63 characters.
std::string base_name(const Plan& plan) { return "agentrace-" + plan.race_id.substr(0, 12); }

json labels(const Plan& plan) { return {{"app.kubernetes.io/name", "agentrace"}, {"agentrace/race", plan.race_id.substr(0, 12)}}; }

json metadata(const Plan& plan, const std::string& name) { return {{"name", name}, {"labels", labels(plan)}}; }

json shards_volume(const KubernetesOptions& o) {
  return {{"name", "shards"}, {"persistentVolumeClaim", {{"claimName", o.claim}}}};
}

json pod_spec(const json& container, const json& volumes) {
  return {{"restartPolicy", "Never"}, {"containers", json::array({container})}, {"volumes", volumes}};
}

json worker_job(const Plan& plan, const KubernetesOptions& o) {
  const auto name = base_name(plan);
  const std::string script = fmt::format(
      "AGENTRACE_JOB={}-$JOB_COMPLETION_INDEX exec {} worker --plan {}/plan.json --shard \"$JOB_COMPLETION_INDEX/{}\" "
      "--db {}/shard-$JOB_COMPLETION_INDEX.db --work /work",
      name, o.binary, kPlanDir, o.shards, kShardDir);
  json container = {{"name", "worker"},
                    {"image", o.image},
                    {"command", json::array({"/bin/sh", "-c", script})},
                    {"volumeMounts", json::array({{{"name", "plan"}, {"mountPath", kPlanDir}, {"readOnly", true}},
                                                  {{"name", "shards"}, {"mountPath", kShardDir}},
                                                  {{"name", "work"}, {"mountPath", "/work"}}})}};
  const json volumes = json::array({{{"name", "plan"}, {"configMap", {{"name", name + "-plan"}}}},
                                    shards_volume(o), {{"name", "work"}, {"emptyDir", json::object()}}});
  return {{"apiVersion", "batch/v1"},
          {"kind", "Job"},
          {"metadata", metadata(plan, name)},
          {"spec",
           {{"completionMode", "Indexed"},
            {"completions", o.shards},
            {"parallelism", o.shards},
            {"backoffLimit", 2 * o.shards},
            {"template", {{"metadata", {{"labels", labels(plan)}}}, {"spec", pod_spec(container, volumes)}}}}}};
}

}  // namespace

json worker_manifests(const Plan& plan, const KubernetesOptions& o) {
  if (o.image.empty()) throw core::UsageError("--on kubernetes needs --image IMAGE (agentrace, the agents and the suite)");
  if (o.shards < 1) throw core::UsageError("--nodes must be at least 1");
  const auto name = base_name(plan);
  const json config = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", metadata(plan, name + "-plan")},
                       {"data", {{"plan.json", plan_text(plan)}}}};
  const json claim = {{"apiVersion", "v1"}, {"kind", "PersistentVolumeClaim"}, {"metadata", metadata(plan, o.claim)},
                      {"spec", {{"accessModes", json::array({"ReadWriteMany"})},
                                {"resources", {{"requests", {{"storage", o.storage}}}}}}}};
  return {{"apiVersion", "v1"}, {"kind", "List"}, {"items", json::array({config, claim, worker_job(plan, o)})}};
}

json merge_manifest(const Plan& plan, const KubernetesOptions& o) {
  const auto name = base_name(plan) + "-merge";
  const std::string script = fmt::format("exec {} merge --db {}/merged.db {}/shard-*.db", o.binary, kShardDir, kShardDir);
  const json container = {{"name", "merge"}, {"image", o.image}, {"command", json::array({"/bin/sh", "-c", script})},
                          {"volumeMounts", json::array({{{"name", "shards"}, {"mountPath", kShardDir}}})}};
  return {{"apiVersion", "batch/v1"},
          {"kind", "Job"},
          {"metadata", metadata(plan, name)},
          {"spec", {{"backoffLimit", 1},
                    {"template", {{"metadata", {{"labels", labels(plan)}}},
                                  {"spec", pod_spec(container, json::array({shards_volume(o)}))}}}}}};
}

void emit_kubernetes(const Plan& plan, const KubernetesOptions& o, const fs::path& dir) {
  const auto name = base_name(plan);
  write_plan(plan, dir / "plan.json");
  core::write_file(dir / "race.json", worker_manifests(plan, o).dump(2) + "\n");
  core::write_file(dir / "merge.json", merge_manifest(plan, o).dump(2) + "\n");
  core::write_file(dir / "README.md", fmt::format(
      "# agentrace race {0} on Kubernetes: {1} attempts, {2} workers\n\n"
      "```sh\nkubectl apply -f race.json          # plan (ConfigMap), shard volume (claim), Indexed Job\n"
      "kubectl wait --for=condition=complete --timeout=24h job/{3}\n"
      "kubectl apply -f merge.json         # merges /shards/shard-*.db into /shards/merged.db\n"
      "kubectl wait --for=condition=complete job/{3}-merge\n```\n\n"
      "Then copy merged.db out of the claim {4} and merge it into your store: `agentrace merge --db agentrace.db "
      "merged.db`. A rerun of `agentrace run ... --on kubernetes --emit` with that store plans only the attempts "
      "still unfinished. See docs/scale-out.md.\n",
      plan.race_id, plan.attempts.size(), o.shards, name, o.claim));
}

}  // namespace agentrace::cluster
