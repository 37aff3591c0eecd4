#include "suite/environment.hpp"

#include <algorithm>
#include <cstdlib>
#include <regex>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/hash.hpp"

namespace agentrace::suite {
namespace fs = std::filesystem;
namespace {

// Where the sandbox keeps its own things: a mount there would hide them or be hidden.
const char* const kReserved[] = {"/usr", "/bin", "/sbin", "/lib", "/lib64", "/etc", "/proc", "/dev", "/tmp",
                                 "/home", "/workspace", "/run", "/env", "/opt/agentrace", "/opt/agents", "/opt/host"};

bool has_dotdot(const fs::path& p) {
  return std::any_of(p.begin(), p.end(), [](const fs::path& x) { return x == ".."; });
}

bool under(const fs::path& p, const fs::path& dir) {
  const auto rel = p.lexically_relative(dir);
  return !rel.empty() && *rel.begin() != "..";
}

void read_files(core::TableReader& r, Environment& e) {
  for (const auto& f : r.string_list("files", false)) {
    const fs::path rel(f);
    const auto full = e.base / rel;
    if (f.empty() || rel.is_absolute() || has_dotdot(rel)) {
      r.errors().add(r.where("files"), fmt::format("'{}' entry \"{}\" must be a path inside {}", r.field("files"), f,
                                                   e.base.string()));
    } else if (std::error_code ec; !fs::exists(full, ec)) {
      r.errors().add(r.where("files"), fmt::format("'{}': {} does not exist", r.field("files"), full.string()));
    } else if (!core::resolves_inside(e.base, full)) {
      r.errors().add(r.where("files"), fmt::format("'{}': {} is a link leading outside {}; copy it in instead",
                                                   r.field("files"), full.string(), e.base.string()));
    } else {
      e.files.push_back(rel.lexically_normal());
    }
  }
}

fs::path host_path(const std::string& s, const fs::path& base) {
  if (s.rfind("~/", 0) == 0) {
    const char* home = std::getenv("HOME");
    return fs::path(home ? home : "/") / s.substr(2);
  }
  return fs::absolute(base / s).lexically_normal();
}

void read_mount(core::TableReader& m, Environment& e) {
  const auto host = m.string("host", true);
  const auto at = m.string("at", true);
  m.finish();
  if (!host || !at) return;
  EnvMount mount{host_path(*host, e.base), fs::path(*at).lexically_normal()};
  if (std::error_code ec; !fs::exists(mount.host, ec)) {
    m.errors().add(m.where("host"), fmt::format("'{}': {} does not exist on this machine", m.field("host"),
                                                mount.host.string()));
  }
  if (!is_free_sandbox_path(*at)) {
    m.errors().add(m.where("at"), fmt::format("'{}' = \"{}\" must be an absolute path outside the sandbox's own "
                                              "folders (/usr, /etc, /tmp, /home, /workspace, /run, /env, ...); "
                                              "e.g. /opt/venv",
                                              m.field("at"), *at));
    return;
  }
  e.mounts.push_back(std::move(mount));
}

void read_workdir(core::TableReader& r, Environment& e) {
  const auto dir = r.string("workdir", false);
  if (!dir) return;
  if (!is_free_sandbox_path(*dir)) {
    r.errors().add(r.where("workdir"), fmt::format("'{}' = \"{}\" must be an absolute path outside the sandbox's own "
                                                   "folders (/usr, /etc, /tmp, /home, /workspace, ...); e.g. /app",
                                                   r.field("workdir"), *dir));
    return;
  }
  e.workdir = fs::path(*dir).lexically_normal();
}

void read_path_env(core::TableReader& r, Environment& e) {
  e.path = r.string_list("path", false);
  for (const auto& p : e.path) {
    if (p.find(':') != std::string::npos || (p.rfind("/", 0) != 0 && p.rfind("{env}", 0) != 0))
      r.errors().add(r.where("path"), fmt::format("'{}' entry \"{}\" must be one absolute folder (or start with "
                                                  "{{env}}), without ':'", r.field("path"), p));
  }
  const auto* table = r.table("env", false);
  if (table == nullptr) return;
  core::TableReader er(*table, r.field("env"), r.errors());
  for (const auto& [k, v] : *table) {
    const std::string key(k.str());
    const auto value = er.string(key, true);
    if (!std::regex_match(key, std::regex("[A-Za-z_][A-Za-z0-9_]{0,99}")) || key == "PATH" || key == "HOME") {
      er.errors().add(er.where(key), fmt::format("'{}': '{}' cannot be set here (PATH goes in 'path'; HOME is the "
                                                 "sandbox's)", er.field(key), key));
    } else if (value) {
      e.env[key] = *value;
    }
  }
}

void read_image(core::TableReader& r, Environment& e) {
  const auto image = r.string("image", false);
  if (!image) return;
  const auto path = host_path(*image, e.base);
  std::error_code ec;
  const bool layout = fs::is_directory(path, ec) && fs::exists(path / "index.json", ec);
  if (!layout && !fs::is_regular_file(path, ec)) {
    r.errors().add(r.where("image"), fmt::format("'{}': {} is neither an OCI image layout (a folder with index.json) "
                                                 "nor an image tarball (docker save, podman save)",
                                                 r.field("image"), path.string()));
    return;
  }
  e.image = path;
}

std::string key_of(const Environment& e) {
  core::Sha256 h;
  h.add_field("agentrace-env-1").add_field(e.setup.value_or(""));
  for (const auto& f : e.files) {
    h.add_field(f.string());
    core::hash_tree(h, e.base / f);
  }
  for (const auto& m : e.mounts) h.add_field(m.host.string()).add_field(m.at.string());
  for (const auto& p : e.path) h.add_field(p);
  for (const auto& [k, v] : e.env) h.add_field(k).add_field(v);
  if (e.image) core::hash_tree(h.add_field("image"), *e.image);
  if (e.workdir) h.add_field("workdir").add_field(e.workdir->string());
  return h.hex().substr(0, 16);
}

}  // namespace

bool is_free_sandbox_path(const std::string& path) {
  const fs::path p = fs::path(path).lexically_normal();
  const bool reserved = std::any_of(std::begin(kReserved), std::end(kReserved), [&](const char* r) {
    return p == r || under(p, r);
  });
  return fs::path(path).is_absolute() && !has_dotdot(fs::path(path)) && p != "/" && !reserved;
}

Environment read_environment(core::TableReader& r, const fs::path& base) {
  Environment e;
  e.spec_file = r.errors().file();
  e.base = base;
  e.setup = r.string("setup", false);
  e.setup_timeout_s = static_cast<int>(r.integer("setup_timeout_seconds", false, 1, 86400).value_or(600));
  read_files(r, e);
  const auto mounts = r.table_array("mounts", false);
  for (std::size_t i = 0; i < mounts.size(); ++i) {
    core::TableReader m(*mounts[i], fmt::format("{}[{}]", r.field("mounts"), i), r.errors());
    read_mount(m, e);
  }
  read_path_env(r, e);
  read_image(r, e);
  read_workdir(r, e);
  r.finish();
  e.key = key_of(e);
  return e;
}

std::optional<Environment> load_suite_environment(const fs::path& suite_dir) {
  const auto file = fs::absolute(suite_dir).lexically_normal() / "environment.toml";
  if (std::error_code ec; !fs::is_regular_file(file, ec)) return std::nullopt;
  core::SpecErrors errors(file);
  const auto parsed = core::parse_toml_file(file, errors);
  errors.throw_if_any();
  core::TableReader r(*parsed, "", errors);
  auto e = read_environment(r, file.parent_path());
  errors.throw_if_any();
  return e;
}

}  // namespace agentrace::suite
