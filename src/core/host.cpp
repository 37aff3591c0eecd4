#include "core/host.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/json-fields.hpp"
#include "core/version.hpp"

namespace agentrace::core {

std::string host_name() {
  char buf[256] = {};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

std::string batch_job() {
  const auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v ? v : "";
  };
  if (auto job = env("AGENTRACE_JOB"); !job.empty()) return job;
  if (auto array = env("SLURM_ARRAY_JOB_ID"); !array.empty()) return array + "_" + env("SLURM_ARRAY_TASK_ID");
  return env("SLURM_JOB_ID");
}

HostInfo host_info() {
  HostInfo h;
  h.agentrace = version();
  h.host = host_name();
  utsname u{};
  if (uname(&u) == 0) h.kernel = std::string(u.sysname) + " " + u.release;
  std::ifstream cpu("/proc/cpuinfo");
  for (std::string line; std::getline(cpu, line);) {
    if (line.rfind("model name", 0) == 0) {
      h.cpu = line.substr(line.find(':') + 2);
      break;
    }
  }
  h.cores = std::thread::hardware_concurrency();
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page = sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && page > 0) h.memory_gib = static_cast<double>(pages) * static_cast<double>(page) / (1 << 30);
  return h;
}

std::string host_info_json() { return nlohmann::json(host_info()).dump(); }

void to_json(nlohmann::json& j, const PreparedEnvironment& e) {
  j = {{"key", e.key}, {"build_s", e.build_s}, {"reused", e.reused}};
}

void from_json(const nlohmann::json& j, PreparedEnvironment& e) {
  expect_object(j, "environment");
  read(j, "key", e.key);
  read(j, "build_s", e.build_s);
  read(j, "reused", e.reused);
}

void to_json(nlohmann::json& j, const Preparation& p) {
  j = {{"repos", p.repos}, {"repos_s", p.repos_s}, {"environments", p.environments}, {"environments_s", p.environments_s}};
}

void from_json(const nlohmann::json& j, Preparation& p) {
  expect_object(j, "preparation");
  read(j, "repos", p.repos);
  read(j, "repos_s", p.repos_s);
  read(j, "environments", p.environments);
  read(j, "environments_s", p.environments_s);
}

void to_json(nlohmann::json& j, const HostInfo& h) {
  j = nlohmann::json::object();
  write(j, "agentrace", h.agentrace);
  write(j, "host", h.host);
  write(j, "kernel", h.kernel);
  write(j, "cpu", h.cpu);
  write(j, "cores", h.cores);
  write(j, "memory_gib", h.memory_gib);
  write(j, "bwrap", h.bwrap);
  write(j, "simulated", h.simulated);
  write(j, "simulated_judge", h.simulated_judge);
  write(j, "preparation", h.preparation);
}

void from_json(const nlohmann::json& j, HostInfo& h) {
  expect_object(j, "host");
  h = {};
  read(j, "agentrace", h.agentrace);
  read(j, "host", h.host);
  read(j, "kernel", h.kernel);
  read(j, "cpu", h.cpu);
  read(j, "cores", h.cores);
  read(j, "memory_gib", h.memory_gib);
  read(j, "bwrap", h.bwrap);
  read(j, "simulated", h.simulated);
  read(j, "simulated_judge", h.simulated_judge);
  read(j, "preparation", h.preparation);
}

}  // namespace agentrace::core
