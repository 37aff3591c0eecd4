#pragma once
// Cassettes: recorded model calls the simulated endpoint replays (format: docs/sim.md).
// One JSON object a line; calls are grouped by conversation and answered in order: the
// n-th request of a conversation gets its n-th recorded call.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace agentrace::sim {

struct CassetteChunk {
  std::int64_t offset_ns = 0;  // from the start of the call
  std::string data;            // raw bytes; written as "data" (UTF-8) or "data_b64" (anything else)
};

struct CassetteCall {
  std::string conversation;  // groups calls; "" is a conversation too
  std::string match;         // text of the conversation's user message, to pick the group
  std::string protocol;
  std::string method = "POST";
  std::string path;
  std::string model;
  int status = 200;
  std::int64_t head_ns = 0;  // when the response head came
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<CassetteChunk> chunks;
  std::size_t line = 0;  // in the file, for messages
};

// Throws core::UsageError naming file:line for a bad line.
std::vector<CassetteCall> load_cassette(const std::filesystem::path& file);
std::string to_json_line(const CassetteCall& call);

// A cassette being recorded: one line per append(), flushed at once. Thread-safe.
class CassetteFile {
 public:
  // Creates or truncates `file` (throws core::UsageError naming it).
  explicit CassetteFile(const std::filesystem::path& file);
  void append(const CassetteCall& call);
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::mutex mutex_;
  std::ofstream out_;
};

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
  explicit Replayer(std::vector<CassetteCall> calls);
  // The next call of the conversation the user texts match (longest match; else the
  // first conversation of the file); nullptr once that conversation is used up.
  const CassetteCall* next(const std::vector<std::string>& user_texts);
  std::size_t size() const { return calls_.size(); }

 private:
  std::vector<CassetteCall> calls_;
  std::map<std::string, std::vector<std::size_t>> by_conversation_;  // call indexes in order
  std::map<std::string, std::size_t> served_;
  std::string first_;
};

}  // namespace agentrace::sim
