// libFuzzer target: task.toml (src/suite/task.cpp) in a folder holding the files it may name.
#include "fuzz-specs.hpp"
#include "suite/task.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  agentrace::fuzz::check_spec(data, size, [](std::string_view text) {
    (void)agentrace::suite::parse_task(text, agentrace::fuzz::spec_folder());
  });
  return 0;
}
