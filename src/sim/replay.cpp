#include "sim/replay.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "sim/script.hpp"

namespace agentrace::sim {

using proxy::CassetteCall;

std::int64_t ReplayPace::apply(std::int64_t offset_ns) const {
  switch (timing) {
    case ReplayTiming::recorded: return offset_ns;
    case ReplayTiming::scaled: return static_cast<std::int64_t>(std::llround(static_cast<double>(offset_ns) * scale));
    case ReplayTiming::zero: return 0;
  }
  return offset_ns;
}

ReplayPace parse_replay_timing(const std::string& text) {
  if (text == "recorded") return {};
  if (text == "zero") return {ReplayTiming::zero, 0};
  if (text.starts_with("scaled:")) {
    try {
      std::size_t used = 0;
      const double f = std::stod(text.substr(7), &used);
      if (used == text.size() - 7 && f > 0 && std::isfinite(f)) return {ReplayTiming::scaled, f};
    } catch (const std::exception&) {
    }
  }
  throw core::UsageError("--replay-timing: '" + text + "' is not recorded, zero or scaled:F (F > 0)");
}

Replayer::Replayer(std::vector<CassetteCall> calls) : calls_(std::move(calls)) {
  for (std::size_t i = 0; i < calls_.size(); ++i) {
    if (i == 0) first_ = calls_[i].conversation;
    by_conversation_[calls_[i].conversation].push_back(i);
  }
}

const CassetteCall* Replayer::next(const std::vector<std::string>& user_texts) {
  std::vector<std::string> texts;
  for (const auto& t : user_texts) texts.push_back(squash_space(t));
  std::string chosen = first_;
  std::size_t best = 0;
  for (const auto& [conversation, indexes] : by_conversation_) {
    const std::string match = squash_space(calls_[indexes.front()].match);
    if (match.size() <= best) continue;
    const bool hit = std::any_of(texts.begin(), texts.end(), [&](const std::string& t) { return t.find(match) != std::string::npos; });
    if (hit) {
      chosen = conversation;
      best = match.size();
    }
  }
  const auto& indexes = by_conversation_.at(chosen);
  std::size_t& served = served_[chosen];
  if (served >= indexes.size()) return nullptr;
  return &calls_[indexes[served++]];
}

}  // namespace agentrace::sim
