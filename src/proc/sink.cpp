#include "proc/sink.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace agentrace::proc {

FileSink::FileSink(const std::filesystem::path& path, std::size_t cap, const std::filesystem::path& times_path)
    : cap_(cap) {
  if (!path.empty()) {
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
    file_.open(path, std::ios::binary | std::ios::trunc);
    if (!file_) throw core::InfraError(fmt::format("cannot write {}", path.string()));
  }
  if (!times_path.empty()) times_.open(times_path, std::ios::trunc);
}

void FileSink::write(std::string_view bytes) {
  total_ += bytes.size();
  const std::size_t keep = std::min(cap_ - std::min(cap_, kept_), bytes.size());
  if (keep == 0) return;
  if (file_.is_open()) file_.write(bytes.data(), static_cast<std::streamsize>(keep));
  kept_ += keep;
  if (times_.is_open()) times_ << kept_ << ' ' << core::mono_ns() << '\n';
}

CappedMemorySink::CappedMemorySink(std::size_t cap) : cap_(std::max<std::size_t>(cap, 2)) {}

void CappedMemorySink::write(std::string_view bytes) {
  total_ += bytes.size();
  const std::size_t room = cap_ / 2 - std::min(cap_ / 2, head_.size());
  const std::size_t take = std::min(room, bytes.size());
  head_.append(bytes.substr(0, take));
  tail_.append(bytes.substr(take));
  if (tail_.size() > 2 * cap_) tail_.erase(0, tail_.size() - cap_);
}

std::string CappedMemorySink::text() const {
  if (total_ <= cap_) return head_ + tail_;
  const std::size_t keep = cap_ - cap_ / 2;
  return head_ + fmt::format("\n[... {} bytes of output omitted ...]\n", total_ - cap_ / 2 - keep) +
         tail_.substr(tail_.size() - keep);
}

std::optional<std::string> LineSink::next_line() {
  const auto nl = buffer_.find('\n');
  if (nl == std::string::npos) return std::nullopt;
  auto line = buffer_.substr(0, nl);
  buffer_.erase(0, nl + 1);
  return line;
}

}  // namespace agentrace::proc
