#include "core/file-lock.hpp"

#include <fcntl.h>
#include <sys/file.h>

#include <fmt/format.h>

#include "core/error.hpp"

namespace agentrace::core {

FileLock::FileLock(const std::filesystem::path& path) : fd_(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
  if (!fd_) throw InfraError(fmt::format("cannot open lock {}", path.string()));
  flock(fd_.get(), LOCK_EX);
}

FileLock::~FileLock() { flock(fd_.get(), LOCK_UN); }

}  // namespace agentrace::core
