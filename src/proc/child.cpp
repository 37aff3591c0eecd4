#include "proc/child.hpp"

#include <signal.h>

#include <thread>

#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"

namespace agentrace::proc {

Child::Child(const SpawnSpec& spec) : stderr_path_(spec.stderr_path.string()) {
  process_.emplace(spec, lines_, nullptr, false);
}

Child::~Child() { stop(); }

std::string Child::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = core::Clock::now() + timeout;
  for (;;) {
    if (auto line = lines_.next_line()) return *std::move(line);
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - core::Clock::now());
    if (!process_ || !process_->reading()) {
      throw core::InfraError(fmt::format("child {} exited before printing a line: {}",
                                         process_ ? process_->pid() : -1, core::read_tail(stderr_path_, 600)));
    }
    if (left.count() <= 0) {
      throw core::InfraError(fmt::format("child {} printed no line within {} ms: {}", process_->pid(),
                                         timeout.count(), core::read_tail(stderr_path_, 600)));
    }
    process_->pump(left);
  }
}

void Child::stop() {
  if (!process_) return;
  process_->signal(SIGTERM);
  for (int i = 0; i < 40 && !process_->try_wait(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  process_.reset();  // KILL to the group and reap, when TERM was not enough
}

}  // namespace agentrace::proc
