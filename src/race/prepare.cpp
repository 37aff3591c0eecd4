#include "race/prepare.hpp"

#include <cstdio>
#include <fstream>

#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "proc/spawn.hpp"
#include "scaffold/cli-agent.hpp"

namespace agentrace::race {

core::Preparation Preparation::record() const {
  core::Preparation p{repos, repos_s, {}, environments.seconds};
  for (const auto& b : environments.built) p.environments.push_back({b.key, b.build_s, b.reused});
  return p;
}

Preparation prepare(const std::vector<const suite::Task*>& tasks, workspace::RepoCache& repos, env::Cache& envs) {
  Preparation p;
  const auto t0 = core::Clock::now();
  for (const auto* t : tasks) {
    try {
      repos.base(*t);
    } catch (const std::exception&) {  // each attempt of the task reports it, as a workspace failure
    }
  }
  p.repos = static_cast<int>(tasks.size());
  p.repos_s = core::seconds_between(t0, core::Clock::now());
  p.environments = env::prepare(envs, tasks);
  for (const auto& b : p.environments.built) {
    fmt::print(stderr, "environment {}: {} in {:.2f} s ({})\n", b.key, b.reused ? "found, built earlier" : "built",
               b.build_s, b.root.parent_path().string());
  }
  fmt::print(stderr, "prepared before the attempts: {} repositories in {:.2f} s, {} environments in {:.2f} s\n", p.repos,
             p.repos_s, p.environments.built.size(), p.environments.seconds);
  return p;
}

namespace {

// What the CLI printed when it could not start in this view; empty when it started.
std::string cli_start_failure(const scaffold::CliInfo& cli, const sandbox::Environment& view, sandbox::Mode mode) {
  core::TempDir tmp("agentrace-cli-check");
  std::filesystem::create_directories(tmp.path() / "ws");
  std::filesystem::create_directories(tmp.path() / "home");
  sandbox::Spec sb{tmp.path() / "ws", tmp.path() / "home", {{std::filesystem::absolute(scaffold::agents_dir()),
                                                                scaffold::kAgentsMount, false}}, {}, {}};
  sb.environment = view;
  auto spec = sandbox::wrap(sb, mode, {fmt::format("{}/node_modules/.bin/{}", scaffold::kAgentsMount, cli.bin), "--version"});
  spec.stdout_path = tmp.path() / "out";
  spec.stderr_path = tmp.path() / "err";
  spec.timeout = std::chrono::seconds(60);
  const auto r = proc::run(spec);
  if (r.ok()) return "";
  auto why = fmt::format("{}: {}", r.describe(), core::read_tail(spec.stderr_path, 300));
  std::ifstream bin(scaffold::find_installed(cli).path);
  std::string head;
  std::getline(bin, head);
  if (head.rfind("#!", 0) == 0)  // a script: the kernel says "No such file" when its interpreter is missing
    why += fmt::format(" (it is a script, '{}': the image needs that interpreter)", head.substr(0, 200));
  return why;
}

}  // namespace

void check_agents_in_images(const std::vector<scaffold::ContenderConfig>& contenders,
                            const std::vector<const suite::Task*>& tasks, const env::Prepared& environments,
                            sandbox::Mode mode) {
  std::string problems;
  for (const auto& c : contenders) {
    const auto& infos = scaffold::cli_infos();
    const auto cli = std::find_if(infos.begin(), infos.end(), [&](const auto& i) { return i.scaffold == c.scaffold; });
    if (cli == infos.end()) continue;
    for (const auto* t : tasks) {
      const auto& view = environments.of(t->id);
      if (!view.root) continue;
      if (const auto why = cli_start_failure(*cli, view, mode); !why.empty())
        problems += fmt::format("\n  contender '{}' ({}) cannot start in task {}'s image ({}): {}", c.name, cli->bin, t->id,
                                t->environment->image->string(), why);
    }
  }
  if (!problems.empty())
    throw core::UsageError("an agent CLI needs what the image lacks (a CLI that is a node script needs node on the "
                           "image's PATH; a native one, the libraries it links):" + problems);
}

}  // namespace agentrace::race
