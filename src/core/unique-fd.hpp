#pragma once
// The one owner of a file descriptor: move-only, closes what it holds when it goes.
#include <utility>

namespace agentrace::core {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  // Gives up ownership without closing.
  int release() { return std::exchange(fd_, -1); }
  // Closes what it held (if anything) and holds `fd` instead.
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// Both ends of a new pipe (O_CLOEXEC); throws core::InfraError naming `what` on failure.
struct Pipe {
  UniqueFd read, write;
};
Pipe make_pipe(const char* what);

}  // namespace agentrace::core
