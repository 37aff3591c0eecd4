#pragma once
// Replaying a cassette (proxy/cassette.hpp): calls are answered in order, the n-th request
// of a conversation gets its n-th recorded call.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "proxy/cassette.hpp"

namespace agentrace::sim {

enum class ReplayTiming { recorded, scaled, zero };
struct ReplayPace {
  ReplayTiming timing = ReplayTiming::recorded;
  double scale = 1.0;
  std::int64_t apply(std::int64_t offset_ns) const;
};
// "recorded", "zero" or "scaled:F" (F > 0); throws core::UsageError.
ReplayPace parse_replay_timing(const std::string& text);

// Which call answers a request. Not thread-safe: the server uses it on its loop thread.
class Replayer {
 public:
  explicit Replayer(std::vector<proxy::CassetteCall> calls);
  // The next call of the conversation the user texts match (longest match; else the
  // first conversation of the file); nullptr once that conversation is used up.
  const proxy::CassetteCall* next(const std::vector<std::string>& user_texts);
  std::size_t size() const { return calls_.size(); }

 private:
  std::vector<proxy::CassetteCall> calls_;
  std::map<std::string, std::vector<std::size_t>> by_conversation_;  // call indexes in order
  std::map<std::string, std::size_t> served_;
  std::string first_;
};

}  // namespace agentrace::sim
