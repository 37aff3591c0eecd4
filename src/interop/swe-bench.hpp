#pragma once
// `agentrace import swe-bench`: SWE-bench instances (the dataset's JSONL schema) onto
// task folders (docs/tasks-from-history.md, "SWE-bench").
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "interop/task-writer.hpp"

namespace agentrace::interop {

// One instance as SWE-bench publishes it.
struct SweBenchInstance {
  std::string instance_id, repo, base_commit, patch, test_patch, problem_statement, hints_text;
  std::string version, environment_setup_commit, created_at;
  std::vector<std::string> fail_to_pass, pass_to_pass;  // pytest node ids
};

// Reads a JSONL file (one instance per line; a JSON array is accepted too). Throws
// core::UsageError naming file:line and the field for a malformed instance.
std::vector<SweBenchInstance> read_swe_bench(const std::filesystem::path& file);

// The name SWE-bench gives an instance's evaluation image (without registry or tag):
// sweb.eval.x86_64.<instance id, lowercased, "__" as "_1776_">.
std::string swe_bench_image_name(const std::string& instance_id);
// A task id for an instance id: lowercase, '_' as '-' ("django__django-11099" ->
// "django--django-11099"); the original stays in [origin].
std::string swe_bench_task_id(const std::string& instance_id);

struct SweBenchImport {
  std::filesystem::path file;
  std::vector<std::string> instances;  // empty = all
  std::filesystem::path out;           // the suite folder
  std::filesystem::path repos;         // local clones as DIR/owner__name or DIR/owner/name
  std::filesystem::path images;        // instance images as DIR/<image name>.tar or an OCI layout folder
  std::optional<std::string> setup;    // else an environment built with these install commands
};

std::vector<ImportedTask> import_swe_bench(const SweBenchImport& opts);

}  // namespace agentrace::interop
