#pragma once
// Small file helpers shared by every module.
#include <filesystem>
#include <optional>
#include <string>

namespace agentrace::core {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path);                 // throws InfraError
void write_file(const fs::path& path, std::string_view data);  // creates parent folders
// Last `max_bytes` of a file (for error excerpts); empty if missing.
std::string read_tail(const fs::path& path, std::size_t max_bytes);
// Reads root/rel, a file an agent may have written: no component of rel may be a link
// (it could point at any host file), it must be a regular file (a FIFO would block) of
// at most max_bytes. Otherwise nullopt, with the reason in `why` ("" when it is absent).
std::optional<std::string> read_untrusted(const fs::path& root, const fs::path& rel, std::size_t max_bytes,
                                          std::string& why);
// True when path, with every link resolved, lies inside dir (links resolved too).
bool resolves_inside(const fs::path& dir, const fs::path& path);
// Where this agentrace binary is (run again as the sim, bound into sandboxes as the relay).
fs::path self_exe();
// A fresh folder under the system temp dir, removed by the destructor.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "agentrace");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

}  // namespace agentrace::core
