#pragma once
// The context a figure depends on: host, CPU, kernel, agentrace version.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace agentrace::core {

// What a race built before its attempts (race/prepare.hpp), apart from their times.
struct PreparedEnvironment {
  std::string key;
  double build_s = 0;
  bool reused = false;  // found built by an earlier race
};
struct Preparation {
  int repos = 0;
  double repos_s = 0;
  std::vector<PreparedEnvironment> environments;
  double environments_s = 0;
};

// Kept with each race; every field is optional (a store may hold less).
struct HostInfo {
  std::optional<std::string> agentrace, host, kernel, cpu;
  std::optional<unsigned> cores;
  std::optional<double> memory_gib;
  // Set by the race: bwrap's version, and whether its endpoints or its judge are simulated.
  std::optional<std::string> bwrap;
  std::optional<bool> simulated, simulated_judge;
  std::optional<Preparation> preparation;
};

HostInfo host_info();
std::string host_name();
// The batch job this process runs in: $AGENTRACE_JOB, else Slurm's "<array job>_<task>" or
// job id; "" outside a batch job.
std::string batch_job();

void to_json(nlohmann::json& j, const PreparedEnvironment& e);
void from_json(const nlohmann::json& j, PreparedEnvironment& e);
void to_json(nlohmann::json& j, const Preparation& p);
void from_json(const nlohmann::json& j, Preparation& p);
void to_json(nlohmann::json& j, const HostInfo& h);
void from_json(const nlohmann::json& j, HostInfo& h);

}  // namespace agentrace::core
