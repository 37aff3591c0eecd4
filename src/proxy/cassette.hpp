#pragma once
// Cassettes: model calls as the proxy records them, for the simulated endpoint to replay
// (format: docs/sim.md). One JSON object a line; calls are grouped by conversation.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace agentrace::proxy {

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

}  // namespace agentrace::proxy
