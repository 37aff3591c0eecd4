// `agentrace env list|prune`: what the cache holds, and removing what no suite needs.
#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/fs.hpp"
#include "env/env.hpp"

namespace agentrace::env {
namespace fs = std::filesystem;
namespace {

std::uintmax_t size_of(const fs::path& dir) {
  std::uintmax_t n = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); ++it) {
    if (it->is_regular_file(ec) && !it->is_symlink(ec)) n += it->file_size(ec);
  }
  return n;
}

}  // namespace

std::vector<Entry> list(const fs::path& cache_dir) {
  std::vector<Entry> out;
  if (!fs::is_directory(cache_dir)) return out;
  for (const auto& d : fs::directory_iterator(cache_dir)) {
    if (!d.is_directory() || !fs::exists(d.path() / "built.json")) continue;
    Entry e{d.path().filename().string(), d.path(), "", "", 0, size_of(d.path())};
    try {
      const auto j = nlohmann::json::parse(core::read_file(d.path() / "built.json"));
      e.spec_file = j.value("spec_file", "");
      e.built_at = j.value("built_at", "");
      e.build_s = j.value("build_s", 0.0);
    } catch (const std::exception&) {  // listed all the same: prune can still remove it
    }
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) { return a.key < b.key; });
  return out;
}

std::vector<std::string> prune(const fs::path& cache_dir, const std::vector<std::string>& keep) {
  std::vector<std::string> removed;
  if (!fs::is_directory(cache_dir)) return removed;
  for (const auto& d : fs::directory_iterator(cache_dir)) {
    const auto name = d.path().stem().string();
    if (d.path().extension() == ".lock") continue;  // another process may hold it
    if (std::find(keep.begin(), keep.end(), name) != keep.end()) continue;
    if (d.is_directory()) removed.push_back(name);
    fs::remove_all(d.path());
  }
  std::sort(removed.begin(), removed.end());
  return removed;
}

}  // namespace agentrace::env
