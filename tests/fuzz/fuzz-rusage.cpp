// libFuzzer target: the relay's rusage JSON, which the agent can overwrite in its HOME.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "proc/rusage.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  agentrace::proc::ProcResult pr;
  pr.user_s = 1.5;
  pr.sys_s = 0.5;
  pr.max_rss_kb = 1024;
  agentrace::proc::apply_relay_rusage({reinterpret_cast<const char*>(data), size}, pr);
  if (pr.max_rss_kb < 1024) std::abort();  // the larger of the relay's and bwrap's peak
  return 0;
}
