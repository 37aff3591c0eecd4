#include "report/templates.hpp"

#include <cstdlib>
#include <vector>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/fs.hpp"

namespace agentrace::report {
namespace fs = std::filesystem;

Data list_data() { return Data(Data::type::list); }

fs::path templates_dir() {
  std::vector<fs::path> tried;
  if (const char* env = std::getenv("AGENTRACE_TEMPLATES"); env && *env) tried.push_back(env);
  std::error_code ec;
  const auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    tried.push_back(exe.parent_path() / "templates");
    tried.push_back(exe.parent_path().parent_path() / "share" / "agentrace" / "templates");
  }
  tried.push_back(fs::path(AGENTRACE_SOURCE_DIR) / "templates");
  std::string places;
  for (const auto& dir : tried) {
    if (fs::is_regular_file(dir / "site" / "layout.html")) return dir;
    places += "\n  " + (dir / "site").string();
  }
  throw core::InfraError("HTML templates not found; looked for site/layout.html in:" + places +
                         "\nset AGENTRACE_TEMPLATES to the templates/ folder of the agentrace source tree");
}

Templates::Templates(const fs::path& dir) : dir_(dir / "site") {}

const std::string& Templates::text(const std::string& name) {
  auto it = texts_.find(name);
  if (it == texts_.end()) it = texts_.emplace(name, core::read_file(dir_ / name)).first;
  return it->second;
}

kainjow::mustache::mustache& Templates::compiled(const std::string& name) {
  auto it = compiled_.find(name);
  if (it != compiled_.end()) return it->second;
  auto& t = compiled_.emplace(name, kainjow::mustache::mustache(text(name))).first->second;
  if (!t.is_valid()) throw core::InfraError(fmt::format("template {}: {}", (dir_ / name).string(), t.error_message()));
  return t;
}

std::string Templates::render(const std::string& name, const Data& data) {
  auto& t = compiled(name);
  auto out = t.render(data);
  if (!t.is_valid()) throw core::InfraError(fmt::format("template {}: {}", (dir_ / name).string(), t.error_message()));
  return out;
}

}  // namespace agentrace::report
