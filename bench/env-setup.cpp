// Task environments: build time, cached reuse time, and attempt set-up (workspace copy +
// sandbox start of `true`) with a cached environment, per kind, median of N.
// Kinds: none (no environment), setup (npm install of a local tarball made by `npm pack`),
// mount (a venv made by /usr/bin/python3 -m venv, mounted read-only), image (a 2 MB OCI layout
// of the host's bash and libc; its build includes the relay's patched copy of this binary).
// Target: set-up <= 80 ms.
// Run: build/bench/bench-env-setup [N]
#include <filesystem>
#include <vector>

#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/fs.hpp"
#include "core/stats.hpp"
#include "env/env.hpp"
#include "proc/spawn.hpp"
#include "sandbox/sandbox.hpp"
#include "suite/task.hpp"
#include "workspace/workspace.hpp"

namespace fs = std::filesystem;
using namespace agentrace;

namespace {

void sh(const std::string& cmd) {
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("failed: " + cmd);
}

// A folder with an environment.toml of the kind, its inputs made here.
suite::Environment make_kind(const fs::path& dir, const std::string& kind) {
  if (kind == "setup") {
    core::write_file(dir / "pkg" / "package.json", R"({"name": "tinylib", "version": "1.0.0"})");
    core::write_file(dir / "pkg" / "index.js", "exports.ok = true;\n");
    sh(fmt::format("cd {0}/pkg && npm pack --silent >/dev/null && mv tinylib-1.0.0.tgz {0}/", dir.string()));
    core::write_file(dir / "environment.toml", "files = [\"tinylib-1.0.0.tgz\"]\n"
                                               "setup = \"npm install --no-audit ./tinylib-1.0.0.tgz\"\n"
                                               "env = { NODE_PATH = \"{env}/node_modules\" }\n");
  } else if (kind == "image") {  // bash and libc from the host's Debian packages, as an OCI layout
    sh(fmt::format("set -e; r={0}/rootfs; mkdir -p $r/usr/bin $r/usr/lib/x86_64-linux-gnu $r/usr/lib64; "
                   "ln -s usr/bin $r/bin; ln -s usr/lib $r/lib; ln -s usr/lib64 $r/lib64; cp /usr/bin/bash $r/usr/bin/; "
                   "cp /lib/x86_64-linux-gnu/libtinfo.so.6 /lib/x86_64-linux-gnu/libc.so.6 $r/usr/lib/x86_64-linux-gnu/; "
                   "cp /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 $r/usr/lib64/; umoci init --layout {0}/L; "
                   "umoci new --image {0}/L:t; umoci insert --image {0}/L:t $r / >/dev/null",
                   dir.string()));
    core::write_file(dir / "environment.toml", "image = \"L\"\n");
  } else {
    sh(fmt::format("/usr/bin/python3 -m venv --without-pip {}/venv", dir.string()));
    core::write_file(dir / "environment.toml",
                     fmt::format("mounts = [{{ host = \"{}/venv\", at = \"/opt/venv\" }}]\npath = [\"/opt/venv/bin\"]\n",
                                 dir.string()));
  }
  return *suite::load_suite_environment(dir);
}

double ms_since(core::Clock::time_point t0) { return core::seconds_between(t0, core::Clock::now()) * 1000; }

// Workspace copy + `bash -c true` in the sandbox with this view (the image has no `true`), n times.
std::vector<double> attempt_setups(const workspace::BaseRepo& base, const sandbox::Environment& view,
                                   const fs::path& tmp, int n) {
  std::vector<double> ms;
  for (int i = 0; i < n; ++i) {
    const auto dir = tmp / fmt::format("a{}", i);
    fs::create_directories(dir / "home");
    const auto t0 = core::Clock::now();
    workspace::create_workspace(base, dir / "ws");
    sandbox::Spec spec{dir / "ws", dir / "home", {}, {}, {}};
    spec.environment = view;
    if (!proc::run(sandbox::wrap(spec, sandbox::Mode::bwrap, {"bash", "-c", "true"})).ok()) fmt::print(stderr, "sandbox failed\n");
    ms.push_back(ms_since(t0));
    fs::remove_all(dir);
  }
  return ms;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::stoi(argv[1]) : 50;
  const auto suite = suite::load_suite(fs::path(AGENTRACE_SOURCE_DIR) / "suites" / "starter");
  core::TempDir tmp("agentrace-bench-env");
  workspace::RepoCache repos(tmp.path() / "repos");
  const auto base = repos.base(suite.tasks.front());
  fmt::print("| kind | build s (first ensure s) | cached reuse ms (median) | attempt set-up ms (median) | p90 ms |\n");
  fmt::print("| --- | ---: | ---: | ---: | ---: |\n");
  const auto none = attempt_setups(base, {}, tmp.path(), n);
  fmt::print("| none | - | - | {:.1f} | {:.1f} |\n", core::median(none), core::quantile(none, 0.9));
  for (const std::string kind : {"setup", "mount", "image"}) {
    const auto dir = tmp.path() / kind;
    const auto e = make_kind(dir, kind);
    env::Cache cache(tmp.path() / "envs", sandbox::Mode::bwrap);
    const auto t0 = core::Clock::now();
    const auto built = cache.ensure(e);
    const double first_s = core::seconds_between(t0, core::Clock::now());
    std::vector<double> reuse;
    for (int i = 0; i < 20; ++i) {
      env::Cache fresh(tmp.path() / "envs", sandbox::Mode::bwrap);  // a new race: finds it on disk
      const auto t0 = core::Clock::now();
      fresh.ensure(e);
      reuse.push_back(ms_since(t0));
    }
    const auto setups = attempt_setups(base, cache.view(e, built), tmp.path(), n);
    fmt::print("| {} | {:.2f} ({:.2f}) | {:.2f} | {:.1f} | {:.1f} |\n", kind, built.build_s, first_s, core::median(reuse),
               core::median(setups), core::quantile(setups, 0.9));
  }
  fmt::print("\ntask {} ({} set-ups per kind, bwrap; target <= 80 ms with a cached environment)\n",
             suite.tasks.front().id, n);
  return 0;
}
