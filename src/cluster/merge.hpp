#pragma once
// Folds shard stores into one store, at the SQL level (ATTACH, then INSERT ... SELECT with
// the columns both stores have), one transaction per shard, so it does not depend on the
// record types and survives new columns. Idempotent: merging a shard again changes
// nothing. Of two copies of one attempt the further one wins (finished > infrastructure
// error > running > planned); two different finished copies keep the one already in the
// target, and every conflict between started copies is said on stderr.
#include <filesystem>
#include <string>
#include <vector>

namespace agentrace::cluster {

struct MergeCounts {
  int added = 0;      // attempts the target did not have
  int replaced = 0;   // target copies replaced by a further one
  int conflicts = 0;  // started copies that differ (each said on stderr)
};

// Throws core::UsageError for a missing source or one that is the target, core::InfraError
// for a file that is not a store (the target is left as it was).
MergeCounts merge_store(const std::filesystem::path& target, const std::filesystem::path& source);

}  // namespace agentrace::cluster
