#include "sandbox/sandbox.hpp"

#include <unistd.h>

#include <mutex>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/fs.hpp"

namespace agentrace::sandbox {
namespace fs = std::filesystem;
namespace {

constexpr int kUid = 4242;
const char* const kPath = "/usr/local/bin:/usr/bin:/bin";

// Read-only pieces of /etc that toolchains need (dynamic linker cache, TLS roots,
// Debian alternatives for java, name service config). Bound only when present.
const char* const kEtcFiles[] = {
    "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives",
    "/etc/ssl", "/etc/ca-certificates", "/etc/nsswitch.conf", "/etc/hosts",
    "/etc/localtime", "/etc/java-17-openjdk", "/etc/gitconfig", "/etc/mime.types"};

// bwrap needs passwd/group entries for the sandbox user (Qwen Code crashes without).
fs::path identity_dir() {
  static std::once_flag once;
  static fs::path dir;
  std::call_once(once, [] {
    dir = fs::temp_directory_path() / fmt::format("agentrace-identity-{}", getuid());
    core::write_file(dir / "passwd", fmt::format("root:x:0:0:root:/root:/bin/sh\n"
                                                 "agent:x:{0}:{0}:agent:/home/agent:/bin/bash\n"
                                                 "nobody:x:65534:65534:nobody:/:/usr/sbin/nologin\n",
                                                 kUid));
    core::write_file(dir / "group", fmt::format("root:x:0:\nagent:x:{0}:\nnogroup:x:65534:\n", kUid));
  });
  return dir;
}

std::map<std::string, std::string> base_env(const fs::path& home) {
  return {{"HOME", home.string()}, {"PATH", kPath}, {"LANG", "C.UTF-8"}, {"USER", "agent"},
          {"LOGNAME", "agent"}, {"TMPDIR", "/tmp"}, {"SHELL", "/bin/bash"}};
}

std::map<std::string, std::string> command_env(const Spec& spec, Mode mode) {
  auto env = base_env(home_path(spec, mode));
  for (const auto& [k, v] : spec.environment.env) env[k] = v;
  for (const auto& [k, v] : spec.env) env[k] = v;
  std::string path;
  for (const auto& p : spec.environment.path) path += p + ":";
  env["PATH"] = path + env["PATH"];
  return env;
}

// The root the command sees: the host's /usr and a few /etc files, or an image's root file
// system (its mount points made when it was unpacked), with the host's DNS and CA bundle
// over the image's own when the command has the network.
std::vector<std::string> root_args(const Spec& spec) {
  std::vector<std::string> a;
  const auto& root = spec.environment.root;
  if (root) {
    a = {"--ro-bind", root->string(), "/", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"};
  } else {
    a = {"--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin",
         "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
         "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"};
    for (const char* f : kEtcFiles) {
      if (fs::exists(f)) a.insert(a.end(), {"--ro-bind", f, f});
    }
  }
  if (!spec.network) return a;
  if (fs::exists("/etc/resolv.conf")) a.insert(a.end(), {"--ro-bind", "/etc/resolv.conf", "/etc/resolv.conf"});
  const fs::path ca = "/etc/ssl/certs/ca-certificates.crt";  // the host's /etc/ssl is bound whole above
  if (root && fs::exists(ca) && fs::exists(*root / ca.relative_path())) a.insert(a.end(), {"--ro-bind", ca, ca});
  return a;
}

// An image's root is bound read-only, so a bind inside it needs its mount point made there
// first (the standard ones are made when it is unpacked; these are the task's own).
void make_mount_point(const fs::path& root, const fs::path& host, const fs::path& inside) {
  const auto point = root / inside.relative_path();
  std::error_code ec;
  if (fs::symlink_status(point, ec).type() != fs::file_type::not_found) {
    if (!core::resolves_inside(root, point))
      throw core::InfraError(fmt::format("the image's {} is a link leading out of it", inside.string()));
    return;
  }
  if (!core::resolves_inside(root, point.parent_path()))
    throw core::InfraError(fmt::format("the image's {} is a link leading out of it", inside.parent_path().string()));
  fs::create_directories(fs::is_directory(host) ? point : point.parent_path(), ec);
  if (!fs::is_directory(host)) core::write_file(point, "");
}

void make_mount_points(const Spec& spec) {
  const auto& root = spec.environment.root;
  if (!root) return;
  for (const auto& m : spec.extra) make_mount_point(*root, m.host, m.inside);
  for (const auto& m : spec.environment.mounts) make_mount_point(*root, m.host, m.inside);
  if (spec.environment.workdir) make_mount_point(*root, spec.workspace, *spec.environment.workdir);
}

}  // namespace

std::string to_string(Mode m) { return m == Mode::bwrap ? "bwrap" : "none"; }

Mode parse_mode(const std::string& s) {
  if (s == "bwrap") return Mode::bwrap;
  if (s == "none") return Mode::none;
  throw core::UsageError(fmt::format("--sandbox: unknown mode '{}'; use bwrap or none", s));
}

fs::path workspace_path(const Spec& spec, Mode mode) {
  if (mode == Mode::none) return spec.workspace;
  return spec.environment.workdir ? *spec.environment.workdir : fs::path(kWorkspaceMount);
}

fs::path home_path(const Spec& spec, Mode mode) {
  return mode == Mode::bwrap ? fs::path(kHomeMount) : spec.home;
}

proc::SpawnSpec wrap(const Spec& spec, Mode mode, const std::vector<std::string>& argv) {
  proc::SpawnSpec out;
  const auto env = command_env(spec, mode);
  if (mode == Mode::none) {
    out.argv = argv;
    out.cwd = spec.workspace;
    out.env = env;
    return out;
  }
  const auto ids = identity_dir();
  const auto uid = std::to_string(spec.as_root ? 0 : kUid);
  std::vector<std::string> a = {
      "bwrap", "--unshare-all", spec.network ? "--share-net" : "--unshare-net", "--unshare-user", "--die-with-parent", "--new-session",
      "--uid", uid, "--gid", uid};
  const auto root = root_args(spec);
  a.insert(a.end(), root.begin(), root.end());
  a.insert(a.end(), {"--ro-bind", (ids / "passwd").string(), "/etc/passwd", "--ro-bind",
                     (ids / "group").string(), "/etc/group"});
  a.insert(a.end(), {"--bind", spec.home.string(), kHomeMount});
  a.insert(a.end(), {"--bind", spec.workspace.string(), kWorkspaceMount});
  if (spec.environment.workdir) a.insert(a.end(), {"--bind", spec.workspace.string(), spec.environment.workdir->string()});
  make_mount_points(spec);
  for (const auto& m : spec.extra) {
    a.insert(a.end(), {m.writable ? "--bind" : "--ro-bind", m.host.string(), m.inside.string()});
  }
  for (const auto& m : spec.environment.mounts) a.insert(a.end(), {"--ro-bind", m.host.string(), m.inside.string()});
  if (spec.socket_dir) a.insert(a.end(), {"--ro-bind", spec.socket_dir->string(), kSocketMount});
  a.insert(a.end(), {"--chdir", workspace_path(spec, mode).string(), "--clearenv"});
  for (const auto& [k, v] : env) a.insert(a.end(), {"--setenv", k, v});
  a.insert(a.end(), {"--remount-ro", "/", "--"});
  a.insert(a.end(), argv.begin(), argv.end());
  out.argv = std::move(a);
  out.env = proc::allowlisted_env();
  return out;
}

const ProbeResult& probe() {
  static ProbeResult result;
  static std::once_flag once;
  std::call_once(once, [] {
    core::TempDir tmp("agentrace-probe");
    fs::create_directories(tmp.path() / "ws");
    fs::create_directories(tmp.path() / "home");
    try {
      proc::SpawnSpec v;
      v.argv = {"bwrap", "--version"};
      v.env = proc::allowlisted_env();
      v.stdout_path = tmp.path() / "version";
      v.timeout = std::chrono::seconds(10);
      if (proc::run(v).ok()) {
        result.bwrap_version = core::read_file(tmp.path() / "version");
        while (!result.bwrap_version.empty() && result.bwrap_version.back() == '\n')
          result.bwrap_version.pop_back();
      }
      Spec spec{tmp.path() / "ws", tmp.path() / "home", {}, {}, {}};
      auto run = wrap(spec, Mode::bwrap, {"/bin/sh", "-c", "touch /workspace/ok && test -w $HOME"});
      run.stderr_path = tmp.path() / "err";
      run.timeout = std::chrono::seconds(20);
      const auto r = proc::run(run);
      result.works = r.ok() && fs::exists(tmp.path() / "ws" / "ok");
      if (!result.works)
        result.detail = fmt::format("bwrap failed ({}): {}; install bubblewrap (scripts/setup) and allow "
                                    "user namespaces, or pass --sandbox none to run unsandboxed",
                                    r.describe(), core::read_tail(tmp.path() / "err", 400));
    } catch (const std::exception& e) {
      result.works = false;
      result.detail = fmt::format("{}; install bubblewrap (scripts/setup) or pass --sandbox none", e.what());
    }
  });
  return result;
}

}  // namespace agentrace::sandbox
