// Report generation at scale: a synthetic store with 10,000 attempts (and their model
// calls), then `agentrace report --html` and the markdown report, each timed end to end
// through the real binary (store load + summary + rendering + writing). Target: < 2 s.
// Run: build/bench/bench-report-10k [ATTEMPTS] [RUNS] [KEEP_DIR] (KEEP_DIR: keep the store there)
#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

#include <fmt/format.h>

#include "../tests/data/report/synthetic-race.hpp"
#include "core/clock.hpp"
#include "core/fs.hpp"
#include "core/stats.hpp"

namespace fs = std::filesystem;
using namespace agentrace;

namespace {

double seconds_since(core::Clock::time_point t0) {
  return std::chrono::duration<double>(core::Clock::now() - t0).count();
}

double children_cpu_s() {
  rusage ru{};
  getrusage(RUSAGE_CHILDREN, &ru);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

// Wall-clock and CPU (user + sys) seconds of each run. CPU time is the steadier figure
// on a shared machine; wall-clock is what a user waits.
struct Runs {
  std::vector<double> wall, cpu;
};

Runs time_runs(const std::string& cmd, int runs) {
  Runs out;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = core::Clock::now();
    const double c0 = children_cpu_s();
    if (std::system(cmd.c_str()) != 0) {
      fmt::print(stderr, "failed: {}\n", cmd);
      std::exit(1);
    }
    out.wall.push_back(seconds_since(t0));
    out.cpu.push_back(children_cpu_s() - c0);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const int attempts = argc > 1 ? std::stoi(argv[1]) : 10000;
  const int runs = argc > 2 ? std::stoi(argv[2]) : 3;
  // tmpfs when there is one: the store's one-fsync-per-attempt writes would dominate.
  const fs::path base = fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
  const bool keep = argc > 3;
  const fs::path dir = keep ? fs::path(argv[3]) : base / fmt::format("agentrace-bench-report-{}", ::getpid());
  fs::create_directories(dir);
  const auto db_file = dir / "results.db";
  const int per_task = 4 * 10;  // 4 contenders x 10 repeats
  {
    store::Store db(db_file);
    const auto t0 = core::Clock::now();
    test::SyntheticRace(db, {attempts / per_task, 10, true, true, "bench-10k"}).write();
    fmt::print(stderr, "generated {} attempts in {:.1f} s\n", db.attempts("race-bench-10k").size(), seconds_since(t0));
    fmt::print(stderr, "calls: {}\n", db.calls("race-bench-10k").size());
  }
  const auto bin = std::string(AGENTRACE_BIN);
  const auto html = time_runs(fmt::format("{} report --db {} --html {} >/dev/null", bin, db_file.string(), (dir / "site").string()), runs);
  const auto md = time_runs(fmt::format("{} report --db {} >/dev/null", bin, db_file.string()), runs);
  const auto js = time_runs(fmt::format("{} report --db {} --format json >/dev/null", bin, db_file.string()), runs);
  fmt::print("| report ({} attempts, {} runs) | wall median s | wall min s | CPU median s |\n| --- | ---: | ---: | ---: |\n",
             attempts, runs);
  for (const auto& [name, r] : {std::pair{"--html (site)", html}, {"markdown", md}, {"json", js}}) {
    const auto w = core::summarize(r.wall);
    fmt::print("| {} | {:.3f} | {:.3f} | {:.3f} |\n", name, w.median, w.min, core::median(r.cpu));
  }
  fmt::print("target: --html under 2 s (median wall-clock of {} runs): {}\n", runs, core::median(html.wall) < 2 ? "met" : "NOT met");
  if (!keep) fs::remove_all(dir);
  return 0;
}
