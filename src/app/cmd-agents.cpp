// `agentrace agents`: which agent CLIs scripts/setup-agents installed, at which version.
#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "app/commands.hpp"
#include "scaffold/cli-agent.hpp"

namespace agentrace::app {
namespace {

std::vector<std::vector<std::string>> rows() {
  std::vector<std::vector<std::string>> out = {{"scaffold", "package", "installed", "version", "path"}};
  for (const auto& cli : scaffold::cli_infos()) {
    const auto found = scaffold::find_installed(cli);
    out.push_back({cli.scaffold, cli.package, found.present ? "yes" : "no", found.present ? found.version : "-",
                   found.path.string()});
  }
  return out;
}

void print_table(const std::vector<std::vector<std::string>>& table) {
  std::vector<std::size_t> width(table.front().size(), 0);
  for (const auto& row : table) {
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  for (const auto& row : table) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += i + 1 < row.size() ? fmt::format("{:<{}}  ", row[i], width[i]) : row[i];
    }
    fmt::print("{}\n", line);
  }
}

}  // namespace

void register_agents(CLI::App& app) {
  auto* cmd = app.add_subcommand("agents", "List the agent CLIs installed by scripts/setup-agents, with versions");
  cmd->callback([] {
    const auto table = rows();
    print_table(table);
    const bool all = std::all_of(table.begin() + 1, table.end(), [](const auto& r) { return r[2] == "yes"; });
    if (!all) fmt::print(stderr, "some agents are missing: run scripts/setup-agents\n");
  });
}

}  // namespace agentrace::app
