#pragma once
// Images as sandbox roots (docs/task-format.md, "Environments": image).
#include <filesystem>
#include <vector>

namespace agentrace::env {

inline constexpr const char* kHostLib = "/opt/host/lib";         // the host's libraries, in an image root
inline constexpr const char* kHostLibDir = "/usr/lib/x86_64-linux-gnu";

// Unpacks an OCI image layout folder or a docker/podman save tarball into rootfs, with the
// folders and files the sandbox binds over it (and each of mount_points) made; throws
// UsageError naming the image and the tool's complaint.
void unpack_image(const std::filesystem::path& image, const std::filesystem::path& rootfs,
                  const std::filesystem::path& scratch, const std::vector<std::filesystem::path>& mount_points);

// A copy of this binary that loads the host's libraries from kHostLib, so the relay and the
// built-in agent run in any glibc image; made once per binary under cache_dir/host/.
std::filesystem::path host_relay(const std::filesystem::path& cache_dir);

}  // namespace agentrace::env
