// libFuzzer target: race files (src/race/race-spec.cpp) up to finalize_contenders, in a
// folder holding a suite and an attachment.
#include "fuzz-specs.hpp"
#include "race/race-spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  agentrace::fuzz::check_spec(data, size, [](std::string_view text) {
    (void)agentrace::race::parse_race_file(text, agentrace::fuzz::spec_folder() / "race.toml");
  });
  return 0;
}
