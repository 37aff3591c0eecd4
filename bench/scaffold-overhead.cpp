// Each scaffold's own overhead per turn: every installed agent CLI and `builtin` fix the
// same starter tasks against the simulated endpoint at zero latency (profile "zero": the
// model answers at once), one attempt at a time, in the sandbox, through the proxy. What
// is not model time is the scaffold's (and its tools'): the table shows it per model call.
// Start-up (agent start to first call) is shown apart from the per-turn time between calls.
// Run: build/bench/bench-scaffold-overhead [REPEATS] [TASK ...]
//   (default: 2 repeats of py-csvkit-quoted-newline and js-queue-async-order)
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/fs.hpp"
#include "core/stats.hpp"
#include "scaffold/cli-agent.hpp"
#include "store/store.hpp"

namespace fs = std::filesystem;
using namespace agentrace;

namespace {

struct Row {
  std::vector<double> wall, model, tool, scaffold, per_call_ms, startup, turn_ms, turn_scaffold_ms, cpu;
  int calls = 0, attempts = 0, complete = 0;
  std::string version;
};

std::string race_file(const fs::path& suite, const std::vector<std::string>& tasks, int repeats,
                      const std::vector<std::string>& scaffolds) {
  std::string text = fmt::format("name = \"scaffold-overhead\"\nsuite = \"{}\"\ntasks = [\"{}\"]\nrepeats = {}\n"
                                 "jobs = 1\nsandbox = \"bwrap\"\n",
                                 suite.string(), fmt::join(tasks, "\", \""), repeats);
  for (const auto& s : scaffolds) {
    text += fmt::format("\n[[contenders]]\nname = \"{0}\"\nscaffold = \"{0}\"\nmodel = \"sim-model\"\n"
                        "agent_seconds = 300\n[contenders.endpoint]\nsim = \"zero\"\n", s);
  }
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  const int repeats = argc > 1 ? std::stoi(argv[1]) : 2;
  std::vector<std::string> tasks(argv + std::min(argc, 2), argv + argc);
  if (tasks.empty()) tasks = {"py-csvkit-quoted-newline", "js-queue-async-order"};
  std::vector<std::string> scaffolds = {"builtin"};
  for (const auto& cli : scaffold::cli_infos()) {
    if (scaffold::find_installed(cli).present) scaffolds.push_back(cli.scaffold);
    else fmt::print(stderr, "{} is not installed (scripts/setup-agents): left out\n", cli.scaffold);
  }
  const fs::path dir = fs::temp_directory_path() / fmt::format("agentrace-bench-scaffold-{}", ::getpid());
  fs::create_directories(dir);
  core::write_file(dir / "race.toml",
                   race_file(fs::path(AGENTRACE_SOURCE_DIR) / "suites" / "starter", tasks, repeats, scaffolds));
  const auto db_file = dir / "results.db";
  const auto cmd = fmt::format("{} run {} --db {} --quiet >/dev/null", AGENTRACE_BIN, (dir / "race.toml").string(),
                               db_file.string());
  fmt::print(stderr, "racing {} scaffolds x {} tasks x {} repeats on sim \"zero\"...\n", scaffolds.size(),
             tasks.size(), repeats);
  if (std::system(cmd.c_str()) != 0) {
    fmt::print(stderr, "failed: {}\n", cmd);
    return 1;
  }
  store::Store db(db_file);
  std::map<std::string, Row> rows;
  for (const auto& a : db.attempts(db.races().back().id)) {
    auto& r = rows[a.contender];
    ++r.attempts;
    const auto split = a.time_split.value_or(record::TimeSplit{});
    r.version = a.agent.version;
    if (a.grade == 3) ++r.complete;
    if (a.calls <= 0) continue;
    const double model = split.model_s, tool = split.tool_s;
    r.calls += a.calls;
    r.wall.push_back(a.wall_s);
    r.model.push_back(model);
    r.tool.push_back(tool);
    r.scaffold.push_back(split.scaffold_s);
    r.cpu.push_back(a.user_s + a.sys_s);
    r.per_call_ms.push_back((a.wall_s - model) / a.calls * 1000);
    // Between the first and the last call: the agent's turns without its start-up and exit.
    const double before = split.before_first_call_s.value_or(0), after = split.after_last_call_s.value_or(0);
    r.startup.push_back(before);
    if (a.calls > 1) {
      r.turn_ms.push_back((a.wall_s - model - before - after) / (a.calls - 1) * 1000);
      r.turn_scaffold_ms.push_back((split.scaffold_s - before - after) / (a.calls - 1) * 1000);
    }
  }
  fmt::print("| scaffold | version | Complete | calls/attempt | wall s | model s | tools s | scaffold s | "
             "wall − model per call ms | start-up s | per turn ms | scaffold per turn ms | agent CPU s |\n"
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
  const auto med = [](const std::vector<double>& xs, int digits) {
    return xs.empty() ? std::string("-") : fmt::format("{:.{}f}", core::median(xs), digits);
  };
  for (const auto& s : scaffolds) {
    const auto& r = rows[s];
    fmt::print("| {} | {} | {}/{} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", s, r.version, r.complete,
               r.attempts, r.wall.empty() ? "-" : fmt::format("{:.1f}", static_cast<double>(r.calls) / r.wall.size()),
               med(r.wall, 2), med(r.model, 3), med(r.tool, 2), med(r.scaffold, 2), med(r.per_call_ms, 0),
               med(r.startup, 2), med(r.turn_ms, 0), med(r.turn_scaffold_ms, 0), med(r.cpu, 2));
  }
  fmt::print("\nmedians over attempts; sim profile \"zero\" (no model latency); {} tasks x {} repeats, one attempt "
             "at a time, bwrap, through the proxy. wall − model per call = (wall − model time) / calls; start-up = "
             "agent start to its first call; per turn = time between the first call's start and the last call's end "
             "outside model calls, per gap between calls (tools + scaffold); scaffold per turn = the same without "
             "tool time.\n",
             tasks.size(), repeats);
  fs::remove_all(dir);
  return 0;
}
