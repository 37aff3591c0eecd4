#include "core/fs.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/error.hpp"

namespace agentrace::core {

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InfraError(fmt::format("cannot read {}", path.string()));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const fs::path& path, std::string_view data) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw InfraError(fmt::format("cannot write {}", path.string()));
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!out) throw InfraError(fmt::format("short write to {}", path.string()));
}

void write_file_atomic(const fs::path& path, std::string_view data) {
  auto tmp = path;
  tmp += fmt::format(".tmp{}", getpid());
  write_file(tmp, data);
  fs::rename(tmp, path);
}

std::string read_tail(const fs::path& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return {};
  const auto size = static_cast<std::size_t>(in.tellg());
  const auto start = size > max_bytes ? size - max_bytes : 0;
  in.seekg(static_cast<std::streamoff>(start));
  std::string out(size - start, '\0');
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  return out;
}

TempDir::TempDir(std::string_view prefix) {
  std::string templ = (fs::temp_directory_path() / fmt::format("{}-XXXXXX", prefix)).string();
  if (mkdtemp(templ.data()) == nullptr)
    throw InfraError(fmt::format("cannot create a temporary folder under {}",
                                 fs::temp_directory_path().string()));
  path_ = templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

}  // namespace agentrace::core
