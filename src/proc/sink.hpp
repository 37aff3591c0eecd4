#pragma once
// Where the bytes a command writes on stdout or stderr go: a file with a cap, memory
// with a cap (head and tail), or lines read one by one.
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>

namespace agentrace::proc {

class Sink {
 public:
  virtual ~Sink() = default;
  virtual void write(std::string_view bytes) = 0;
};

// Keeps the first `cap` bytes in `path` (empty path: keeps nothing, only counts) and, when
// `times_path` is set, one line "<kept bytes so far> <core::mono_ns()>" per write that
// kept something, so a reader can tell when each line of the output arrived.
class FileSink final : public Sink {
 public:
  FileSink(const std::filesystem::path& path, std::size_t cap, const std::filesystem::path& times_path = {});
  void write(std::string_view bytes) override;
  std::size_t total() const { return total_; }  // including what the cap dropped
  bool truncated() const { return total_ > kept_; }

 private:
  std::ofstream file_, times_;
  std::size_t cap_, kept_ = 0, total_ = 0;
};

// The first cap/2 bytes and a rolling tail, so that any amount of output fits in O(cap).
class CappedMemorySink final : public Sink {
 public:
  explicit CappedMemorySink(std::size_t cap);
  void write(std::string_view bytes) override;
  // All of it when it fit, else the first and last cap/2 bytes with a note of what was left out.
  std::string text() const;
  std::size_t total() const { return total_; }

 private:
  std::size_t cap_;
  std::string head_, tail_;
  std::size_t total_ = 0;
};

// Splits what arrives into lines.
class LineSink final : public Sink {
 public:
  void write(std::string_view bytes) override { buffer_.append(bytes); }
  // The next whole line without its '\n'; nullopt until one has arrived.
  std::optional<std::string> next_line();

 private:
  std::string buffer_;
};

}  // namespace agentrace::proc
