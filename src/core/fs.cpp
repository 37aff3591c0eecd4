#include "core/fs.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/unique-fd.hpp"

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

fs::path self_exe() { return fs::read_symlink("/proc/self/exe"); }

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

std::optional<std::string> read_untrusted(const fs::path& root, const fs::path& rel, std::size_t max_bytes,
                                          std::string& why) {
  why.clear();
  UniqueFd dir(open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  const auto refuse = [&](std::string_view what) {
    why = fmt::format("{}: {}", (root / rel).string(), what);
    return std::nullopt;
  };
  if (dir.get() < 0) return refuse(std::strerror(errno));
  std::vector<std::string> parts;
  for (const auto& p : rel.relative_path()) parts.push_back(p.string());
  if (parts.empty() || std::find(parts.begin(), parts.end(), "..") != parts.end()) return refuse("not a path inside");
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    const int next = openat(dir.get(), parts[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0 && errno == ENOENT) return std::nullopt;
    if (next < 0) return refuse(fmt::format("{} is a link or not a folder", parts[i]));
    dir.reset(next);
  }
  const UniqueFd file(openat(dir.get(), parts.back().c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (file.get() < 0 && errno == ENOENT) return std::nullopt;
  if (file.get() < 0) return refuse(errno == ELOOP ? "a link" : std::strerror(errno));
  struct stat st {};
  if (fstat(file.get(), &st) != 0 || !S_ISREG(st.st_mode)) return refuse("not a regular file");
  if (static_cast<std::uintmax_t>(st.st_size) > max_bytes)
    return refuse(fmt::format("{} bytes, more than the {} allowed", st.st_size, max_bytes));
  std::string data(max_bytes + 1, '\0');
  std::size_t got = 0;
  for (ssize_t n; got < data.size() && (n = read(file.get(), data.data() + got, data.size() - got)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return refuse(std::strerror(errno));
    got += static_cast<std::size_t>(n);
  }
  if (got > max_bytes) return refuse(fmt::format("grew past the {} bytes allowed", max_bytes));
  data.resize(got);
  return data;
}

bool resolves_inside(const fs::path& dir, const fs::path& path) {
  std::error_code ec;
  const auto d = fs::canonical(dir, ec);
  if (ec) return false;
  const auto p = fs::weakly_canonical(path, ec);
  if (ec) return false;
  const auto [end, _] = std::mismatch(d.begin(), d.end(), p.begin(), p.end());
  return end == d.end();
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
