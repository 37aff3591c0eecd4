// `agentrace merge`: folds shard stores into one store, idempotently (cluster/merge.hpp).
#include <fmt/format.h>

#include "app/commands.hpp"
#include "cluster/merge.hpp"

namespace agentrace::app {

void register_merge(CLI::App& app) {
  auto db = std::make_shared<std::string>("agentrace.db");
  auto stores = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand("merge", "Fold shard stores into one store (merging twice changes nothing)");
  cmd->add_option("stores", *stores, "Shard stores to merge")->required();
  cmd->add_option("--db", *db, "The store they go into (created when missing)")->capture_default_str();
  cmd->callback([db, stores] {
    for (const auto& s : *stores) {
      const auto n = cluster::merge_store(*db, s);
      fmt::print(stderr, "merged {} into {}: {} attempts added, {} replaced by a further copy, {} conflicting copies\n",
                 s, *db, n.added, n.replaced, n.conflicts);
    }
  });
}

}  // namespace agentrace::app
