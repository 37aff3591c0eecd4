#include "core/host.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

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

std::string host_info_json() {
  nlohmann::json j;
  j["agentrace"] = version();
  j["host"] = host_name();
  utsname u{};
  if (uname(&u) == 0) j["kernel"] = std::string(u.sysname) + " " + u.release;
  std::ifstream cpu("/proc/cpuinfo");
  for (std::string line; std::getline(cpu, line);) {
    if (line.rfind("model name", 0) == 0) {
      j["cpu"] = line.substr(line.find(':') + 2);
      break;
    }
  }
  j["cores"] = std::thread::hardware_concurrency();
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page = sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && page > 0) j["memory_gib"] = static_cast<double>(pages) * static_cast<double>(page) / (1 << 30);
  return j.dump();
}

}  // namespace agentrace::core
