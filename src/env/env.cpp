#include "env/env.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/file-lock.hpp"
#include "core/fs.hpp"
#include "env/image.hpp"
#include "proc/spawn.hpp"

namespace agentrace::env {
namespace fs = std::filesystem;
namespace {

constexpr const char* kDoneFile = "built.json";
constexpr const char* kCaBundle = "/etc/ssl/certs/ca-certificates.crt";

std::string expand(std::string s, const fs::path& at) {
  for (auto pos = s.find("{env}"); pos != std::string::npos; pos = s.find("{env}", pos)) {
    s.replace(pos, 5, at.string());
    pos += at.string().size();
  }
  return s;
}

// The environment as a command sees it (its own folder not yet mounted).
sandbox::Environment view_at(const suite::Environment& e, const Built& b, sandbox::Mode mode) {
  const fs::path at = mode == sandbox::Mode::bwrap ? fs::path(kMount) : b.root;
  sandbox::Environment v;
  v.root = b.rootfs;
  if (mode == sandbox::Mode::bwrap) v.workdir = e.workdir;
  for (const auto& m : e.mounts) v.mounts.push_back({m.host, m.at, false});
  for (const auto& p : e.path) v.path.push_back(expand(p, at));
  for (const auto& [k, val] : e.env) v.env[k] = expand(val, at);
  return v;
}

// Package managers in the setup trust the host's CA bundle (egress TLS may go through a CA
// only the host trusts: ../shared/notes/environments.md §7).
std::map<std::string, std::string> network_env() {
  std::map<std::string, std::string> out{{"npm_config_update_notifier", "false"}, {"npm_config_fund", "false"}};
  if (!fs::exists(kCaBundle)) return out;
  for (const char* k : {"NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "PIP_CERT", "REQUESTS_CA_BUNDLE", "GIT_SSL_CAINFO"})
    out[k] = kCaBundle;
  return out;
}

void copy_files(const suite::Environment& e, const fs::path& root) {
  for (const auto& f : e.files) {
    fs::create_directories((root / f).parent_path());
    fs::copy(e.base / f, root / f, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  }
}

void run_setup(const suite::Environment& e, const fs::path& dest, const Built& b, sandbox::Mode mode) {
  const auto& root = b.root;
  const auto scratch = dest / "setup-scratch";
  fs::create_directories(scratch / "ws");
  fs::create_directories(scratch / "home");
  const bool bwrap = mode == sandbox::Mode::bwrap;
  sandbox::Spec sb{bwrap ? scratch / "ws" : root, scratch / "home", {}, {}, network_env()};
  if (bwrap) sb.extra.push_back({root, kMount, true});
  sb.environment = view_at(e, b, mode);
  sb.network = true;
  const auto at = bwrap ? fs::path(kMount) : root;
  auto spec = sandbox::wrap(sb, mode, {"bash", "-c", fmt::format("exec 2>&1; cd '{}' || exit 1\n{}", at.string(), *e.setup)});
  spec.stdout_path = dest / "setup.log";
  spec.timeout = std::chrono::seconds(e.setup_timeout_s);
  const auto r = proc::run(spec);
  fs::remove_all(scratch);
  if (r.ok()) return;
  throw core::UsageError(fmt::format("{}: the environment's setup failed ({}{}); its log: {}; last lines:\n{}",
                                     e.spec_file.string(), r.describe(),
                                     r.timed_out ? ", raise setup_timeout_seconds" : "", spec.stdout_path.string(),
                                     core::read_tail(spec.stdout_path, 2000)));
}

double recorded_build_s(const fs::path& dest) {
  try {
    return nlohmann::json::parse(core::read_file(dest / kDoneFile)).value("build_s", 0.0);
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

// Absolute: setup runs in the environment's folder and the sandbox binds need full paths.
Cache::Cache(fs::path dir, sandbox::Mode mode) : dir_(fs::absolute(dir)), mode_(mode) {}

Built Cache::ensure(const suite::Environment& e) {
  if (mode_ == sandbox::Mode::none && (!e.mounts.empty() || e.image || e.workdir))
    throw core::UsageError(fmt::format("{}: the environment's mounts, image and workdir need the sandbox; run without "
                                       "--sandbox none", e.spec_file.string()));
  std::lock_guard guard(mutex_);
  if (auto it = ready_.find(e.key); it != ready_.end()) return it->second;
  fs::create_directories(dir_);
  core::FileLock lock(dir_ / (e.key + ".lock"));
  const auto dest = dir_ / e.key;
  Built b;
  if (fs::exists(dest / kDoneFile)) {
    b = {e.key, dest / "root", std::nullopt, recorded_build_s(dest), true};
    if (e.image) b.rootfs = dest / "rootfs";
  } else {
    b = build(e, dest);
  }
  if (e.image && relay_.empty()) relay_ = host_relay(dir_);
  ready_[e.key] = b;
  return b;
}

// Built in place (its paths are the ones the sandbox will see); built.json, written last,
// marks it whole, and a folder without it is a failed or interrupted build, redone.
Built Cache::build(const suite::Environment& e, const fs::path& dest) {
  const auto t0 = core::Clock::now();
  fs::remove_all(dest);
  fs::create_directories(dest / "root");
  Built b{e.key, dest / "root", std::nullopt, 0, false};
  if (e.image) {
    std::vector<fs::path> points;
    for (const auto& m : e.mounts) points.push_back(m.at);
    b.rootfs = dest / "rootfs";
    unpack_image(*e.image, *b.rootfs, dest / "unpack", points);
  }
  copy_files(e, b.root);
  if (e.setup) run_setup(e, dest, b, mode_);
  b.build_s = core::seconds_between(t0, core::Clock::now());
  nlohmann::json j = {{"key", e.key}, {"spec_file", e.spec_file.string()}, {"build_s", b.build_s},
                      {"built_at", core::wall_now_rfc3339()}, {"setup", e.setup.value_or("")}};
  core::write_file(dest / kDoneFile, j.dump(2) + "\n");
  return b;
}

sandbox::Environment Cache::view(const suite::Environment& e, const Built& b) const {
  auto v = view_at(e, b, mode_);
  if (mode_ == sandbox::Mode::bwrap) v.mounts.insert(v.mounts.begin(), {b.root, kMount, false});
  if (b.rootfs) {  // the relay and the built-in agent, on the host's libraries
    v.mounts.push_back({kHostLibDir, kHostLib, false});
    v.mounts.push_back({relay_, "/opt/agentrace/agentrace", false});
  }
  return v;
}

const sandbox::Environment& Prepared::of(const std::string& task_id) const {
  static const sandbox::Environment none;
  auto it = views.find(task_id);
  return it == views.end() ? none : it->second;
}

Prepared prepare(Cache& cache, const std::vector<const suite::Task*>& tasks) {
  const auto t0 = core::Clock::now();
  Prepared p;
  std::map<std::string, Built> by_key;
  for (const auto* t : tasks) {
    if (!t->environment) continue;
    auto it = by_key.find(t->environment->key);
    if (it == by_key.end()) {
      it = by_key.emplace(t->environment->key, cache.ensure(*t->environment)).first;
      p.built.push_back(it->second);
    }
    p.views[t->id] = cache.view(*t->environment, it->second);
  }
  p.seconds = core::seconds_between(t0, core::Clock::now());
  return p;
}

}  // namespace agentrace::env
