#pragma once
// `agentrace run --on kubernetes --emit DIR`: manifests, not a client. A ConfigMap holds
// the plan; an Indexed Job (completionMode: Indexed) runs one worker per index, each
// writing shard-<index>.db to a shared volume (a ReadWriteMany claim) with its work
// folder in an emptyDir on its node; a second Job merges the shards once the first has
// completed. DIR/README.md says the kubectl commands.
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "cluster/plan.hpp"

namespace agentrace::cluster {

struct KubernetesOptions {
  std::string image;           // has agentrace, the agents and the suite at the plan's paths
  std::string binary = "agentrace";  // inside the image
  int shards = 4;
  std::string claim = "agentrace-shards";  // the shared volume's PersistentVolumeClaim
  std::string storage = "1Gi";
};

// The kind: List of the ConfigMap, the claim and the Indexed Job; and the merge Job.
nlohmann::json worker_manifests(const Plan& plan, const KubernetesOptions& opts);
nlohmann::json merge_manifest(const Plan& plan, const KubernetesOptions& opts);
// Writes DIR/plan.json, DIR/race.json (the List), DIR/merge.json and DIR/README.md.
void emit_kubernetes(const Plan& plan, const KubernetesOptions& opts, const std::filesystem::path& dir);

}  // namespace agentrace::cluster
