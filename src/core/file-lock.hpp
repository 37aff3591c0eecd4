#pragma once
// A cross-process exclusive lock on a file (flock), for processes sharing a cache folder.
#include <filesystem>

#include "core/unique-fd.hpp"

namespace agentrace::core {

class FileLock {
 public:
  explicit FileLock(const std::filesystem::path& path);  // blocks until held; throws InfraError
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  UniqueFd fd_;
};

}  // namespace agentrace::core
