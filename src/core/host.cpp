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

template <class V>
void fields(V& v, PreparedEnvironment& e) {
  v("key", e.key);
  v("build_s", e.build_s);
  v("reused", e.reused);
}

template <class V>
void fields(V& v, Preparation& p) {
  v("repos", p.repos);
  v("repos_s", p.repos_s);
  v("environments", p.environments);
  v("environments_s", p.environments_s);
}

template <class V>
void fields(V& v, HostInfo& h) {
  v("agentrace", h.agentrace);
  v("host", h.host);
  v("kernel", h.kernel);
  v("cpu", h.cpu);
  v("cores", h.cores);
  v("memory_gib", h.memory_gib);
  v("bwrap", h.bwrap);
  v("simulated", h.simulated);
  v("simulated_judge", h.simulated_judge);
  v("preparation", h.preparation);
}

void to_json(nlohmann::json& j, const PreparedEnvironment& e) { write_fields(j, e); }
void from_json(const nlohmann::json& j, PreparedEnvironment& e) { read_fields(j, e, "environment"); }
void to_json(nlohmann::json& j, const Preparation& p) { write_fields(j, p); }
void from_json(const nlohmann::json& j, Preparation& p) { read_fields(j, p, "preparation"); }
void to_json(nlohmann::json& j, const HostInfo& h) { write_fields(j, h); }
void from_json(const nlohmann::json& j, HostInfo& h) { read_fields(j, h, "host"); }

}  // namespace agentrace::core
