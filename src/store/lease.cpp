#include "store/lease.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <random>

#include <fmt/format.h>

#include "core/host.hpp"

namespace agentrace::store {

std::string new_owner() {
  std::random_device rd;
  return fmt::format("{}:{}:{:08x}{:08x}", core::host_name(), getpid(), rd(), rd());
}

bool owner_gone_here(const std::string& owner) {
  const auto last = owner.rfind(':');
  const auto mid = last == std::string::npos || last == 0 ? std::string::npos : owner.rfind(':', last - 1);
  if (mid == std::string::npos || owner.substr(0, mid) != core::host_name()) return false;
  const std::string pid_text = owner.substr(mid + 1, last - mid - 1);
  char* end = nullptr;
  const long pid = std::strtol(pid_text.c_str(), &end, 10);
  if (pid_text.empty() || *end != '\0' || pid <= 0) return false;
  return kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

}  // namespace agentrace::store
