// An image's root file system as a sandbox root: unpacked once per environment with umoci
// (skopeo first for a docker/podman save tarball), its mount points made, and agentrace's
// relay patched to run on the host's libraries (../shared/notes/environments.md §2-§4).
#include "env/image.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/hash.hpp"
#include "proc/spawn.hpp"

namespace agentrace::env {
namespace fs = std::filesystem;
namespace {

// Folders and files every sandbox binds over the root: they must exist in a read-only root.
const char* const kMountDirs[] = {"workspace", "home/agent", "tmp", "proc", "dev", "env", "run/model",
                                  "opt/agents", "opt/agentrace", "opt/host/lib", "etc"};
const char* const kMountFiles[] = {"etc/passwd", "etc/group", "etc/resolv.conf", "opt/agentrace/agentrace"};

void tool(const std::vector<std::string>& argv, const fs::path& scratch, const std::string& what) {
  proc::SpawnSpec spec;
  spec.argv = argv;
  spec.env = proc::allowlisted_env();
  spec.stdout_path = scratch / "tool.log";
  spec.stderr_path = scratch / "tool.err";
  spec.timeout = std::chrono::minutes(10);
  proc::ProcResult r;
  try {
    r = proc::run(spec);
  } catch (const core::InfraError& e) {
    throw core::UsageError(fmt::format("{}: {}; install it (scripts/setup installs umoci, skopeo and patchelf)", what,
                                       e.what()));
  }
  if (!r.ok())
    throw core::UsageError(fmt::format("{} failed ({}): {}", what, r.describe(), core::read_tail(spec.stderr_path, 800)));
}

// The layout's first manifest's name (umoci needs LAYOUT:NAME).
std::string first_ref(const fs::path& layout) {
  try {
    const auto index = nlohmann::json::parse(core::read_file(layout / "index.json"));
    return index.at("manifests").at(0).at("annotations").at("org.opencontainers.image.ref.name").get<std::string>();
  } catch (const std::exception& e) {
    throw core::UsageError(fmt::format("{}/index.json: its first manifest has no org.opencontainers.image.ref.name "
                                       "annotation (a tag): {}", layout.string(), e.what()));
  }
}

void make_point(const fs::path& rootfs, const fs::path& rel, bool file) {
  const auto p = rootfs / rel;
  if (!core::resolves_inside(rootfs, p))
    throw core::UsageError(fmt::format("image: /{} is a link leading out of the image", rel.string()));
  fs::create_directories(file ? p.parent_path() : p);
  if (file && !fs::exists(p)) core::write_file(p, "");
}

}  // namespace

void unpack_image(const fs::path& image, const fs::path& rootfs, const fs::path& scratch,
                  const std::vector<fs::path>& mount_points) {
  fs::create_directories(scratch);
  auto layout = image;
  std::string ref;
  if (fs::is_directory(image)) {
    ref = first_ref(image);
  } else {
    layout = scratch / "layout";
    ref = "image";
    try {
      tool({"skopeo", "copy", "--quiet", "docker-archive:" + image.string(), "oci:" + layout.string() + ":image"},
           scratch, "skopeo copy");
    } catch (const core::UsageError&) {  // not a docker save: an OCI archive (podman save --format oci-archive)
      tool({"skopeo", "copy", "--quiet", "oci-archive:" + image.string(), "oci:" + layout.string() + ":image"}, scratch,
           fmt::format("{}: neither a docker-archive nor an oci-archive; skopeo copy", image.string()));
    }
  }
  tool({"umoci", "raw", "unpack", "--image", layout.string() + ":" + ref, rootfs.string()}, scratch,
       fmt::format("umoci raw unpack of {}", image.string()));
  for (const char* d : kMountDirs) make_point(rootfs, d, false);
  for (const char* f : kMountFiles) make_point(rootfs, f, true);
  for (const auto& at : mount_points) make_point(rootfs, at.relative_path(), false);
  fs::remove_all(scratch);
}

fs::path host_relay(const fs::path& cache_dir) {
  const auto self = core::self_exe();
  core::Sha256 h;  // this binary's identity without reading it: a rebuilt one has a new size or time
  h.add_field(self.string()).add_field(std::to_string(fs::file_size(self)));
  h.add_field(std::to_string(fs::last_write_time(self).time_since_epoch().count()));
  const auto patched = cache_dir / "host" / ("agentrace-" + h.hex().substr(0, 16));
  if (fs::exists(patched)) return patched;
  const auto scratch = cache_dir / "host" / ("patching-" + std::to_string(getpid()));
  fs::create_directories(scratch);
  fs::copy_file(self, scratch / "agentrace", fs::copy_options::overwrite_existing);
  tool({"patchelf", "--set-interpreter", std::string(kHostLib) + "/ld-linux-x86-64.so.2", "--force-rpath",
        "--set-rpath", kHostLib, (scratch / "agentrace").string()},
       scratch, "patchelf (the relay for an image root)");
  fs::rename(scratch / "agentrace", patched);
  fs::remove_all(scratch);
  return patched;
}

}  // namespace agentrace::env
