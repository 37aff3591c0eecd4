#pragma once
// Shared by the libFuzzer targets of the spec parsers: a folder with the files a task.toml
// or a race file may name, made once per process, and the one error a spec may end in.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string_view>

#include "core/error.hpp"
#include "core/fs.hpp"

namespace agentrace::fuzz {

// The files the seed corpora name: a task's statement.md, fix.patch, hidden/ and history/
// (base patches), a race's suite-good/ and an attachment under serve/.
inline std::filesystem::path fill_spec_folder(const std::filesystem::path& d) {
  core::write_file(d / "statement.md", "Fix the bug.\n");
  core::write_file(d / "fix.patch", "--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n");
  core::write_file(d / "hidden" / "test_x.py", "def test(): pass\n");
  core::write_file(d / "history" / "0001-base.patch", "--- /dev/null\n+++ b/x.py\n@@ -0,0 +1 @@\n+x = 1\n");
  core::write_file(d / "suite-good" / "demo-task" / "task.toml", "id = \"demo-task\"\n");
  core::write_file(d / "serve" / "vllm-serve.sh", "vllm serve model\n");
  return d;
}

// Made once per process, removed at its normal exit.
inline const std::filesystem::path& spec_folder() {
  static const core::TempDir dir("agentrace-fuzz-spec");
  static const std::filesystem::path path = fill_spec_folder(dir.path());
  return path;
}

// Runs parse on the input: a spec may be refused with a UsageError naming what to fix;
// anything else it throws is a bug (libFuzzer reports the abort).
template <class Parse>
void check_spec(const std::uint8_t* data, std::size_t size, Parse parse) {
  try {
    parse(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const core::UsageError&) {
  }
}

}  // namespace agentrace::fuzz
