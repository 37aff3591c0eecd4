#include "app/common.hpp"

#include <csignal>

#include "proc/spawn.hpp"

namespace agentrace::app {

namespace {
extern "C" void on_signal(int) { proc::request_cancel(); }
}  // namespace

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

std::filesystem::path default_work_dir(const std::filesystem::path& db) {
  return std::filesystem::absolute(db).parent_path() / "agentrace-work";
}

}  // namespace agentrace::app
