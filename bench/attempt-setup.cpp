// Attempt set-up cost: a fresh workspace (clone of the cached base) plus a sandbox
// start (`true` in bwrap), median of 50 per starter task. Target: under 50 ms.
// Run: build/bench/bench-attempt-setup [SUITE] [N]
#include <filesystem>
#include <vector>

#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/fs.hpp"
#include "core/stats.hpp"
#include "proc/spawn.hpp"
#include "sandbox/sandbox.hpp"
#include "suite/task.hpp"
#include "workspace/workspace.hpp"

namespace fs = std::filesystem;
using namespace agentrace;

int main(int argc, char** argv) {
  const fs::path suite_dir = argc > 1 ? argv[1] : fs::path(AGENTRACE_SOURCE_DIR) / "suites" / "starter";
  const int n = argc > 2 ? std::stoi(argv[2]) : 50;
  const auto suite = suite::load_suite(suite_dir);
  core::TempDir tmp("agentrace-bench");
  workspace::RepoCache cache(tmp.path() / "repos");
  const bool bwrap = sandbox::probe().works;
  fmt::print("| task | workspace ms (median) | sandbox start ms (median) | total ms (median) | p90 total ms |\n");
  fmt::print("| --- | ---: | ---: | ---: | ---: |\n");
  std::vector<double> all;
  for (const auto& task : suite.tasks) {
    const auto base = cache.base(task);
    std::vector<double> ws_ms, sb_ms, total_ms;
    for (int i = 0; i < n; ++i) {
      const auto dir = tmp.path() / fmt::format("a{}", i);
      fs::create_directories(dir / "home");
      const auto t0 = core::Clock::now();
      workspace::create_workspace(base, dir / "ws");
      const auto t1 = core::Clock::now();
      sandbox::Spec spec{dir / "ws", dir / "home", {}, {}, {}};
      auto run = sandbox::wrap(spec, bwrap ? sandbox::Mode::bwrap : sandbox::Mode::none, {"true"});
      const auto r = proc::run(run);
      const auto t2 = core::Clock::now();
      if (!r.ok()) fmt::print(stderr, "sandbox start failed: {}\n", r.describe());
      ws_ms.push_back(core::seconds_between(t0, t1) * 1000);
      sb_ms.push_back(core::seconds_between(t1, t2) * 1000);
      total_ms.push_back(core::seconds_between(t0, t2) * 1000);
      all.push_back(total_ms.back());
      fs::remove_all(dir);
    }
    fmt::print("| {} | {:.1f} | {:.1f} | {:.1f} | {:.1f} |\n", task.id, core::median(ws_ms), core::median(sb_ms),
               core::median(total_ms), core::quantile(total_ms, 0.9));
  }
  fmt::print("\nall tasks: median {:.1f} ms, p90 {:.1f} ms over {} set-ups ({}; target < 50 ms)\n", core::median(all),
             core::quantile(all, 0.9), all.size(), bwrap ? "bwrap" : "no sandbox: bwrap unavailable");
  return 0;
}
