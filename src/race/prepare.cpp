#include "race/prepare.hpp"

#include <cstdio>

#include <fmt/format.h>

#include "core/clock.hpp"

namespace agentrace::race {

nlohmann::json Preparation::to_json() const {
  nlohmann::json envs = nlohmann::json::array();
  for (const auto& b : environments.built)
    envs.push_back({{"key", b.key}, {"build_s", b.build_s}, {"reused", b.reused}});
  return {{"repos", repos}, {"repos_s", repos_s}, {"environments", envs}, {"environments_s", environments.seconds}};
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

}  // namespace agentrace::race
