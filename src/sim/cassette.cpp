#include "sim/cassette.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "sim/script.hpp"

namespace agentrace::sim {

using Json = nlohmann::ordered_json;

namespace {

CassetteCall call_of(const Json& j) {
  CassetteCall c;
  c.conversation = j.value("conversation", "");
  c.match = j.value("match", "");
  c.protocol = j.value("protocol", "");
  c.method = j.value("method", "POST");
  c.path = j.value("path", "");
  c.model = j.value("model", "");
  c.status = j.value("status", 200);
  c.head_ns = j.value("head_ns", std::int64_t{0});
  for (const auto& h : j.value("headers", Json::array())) {
    c.headers.emplace_back(h.at(0).get<std::string>(), h.at(1).get<std::string>());
  }
  for (const auto& chunk : j.value("chunks", Json::array())) {
    c.chunks.push_back(CassetteChunk{chunk.value("offset_ns", std::int64_t{0}), chunk.at("data").get<std::string>()});
  }
  if (c.status < 100 || c.status > 999) throw std::invalid_argument(fmt::format("status {} is not an HTTP status", c.status));
  return c;
}

}  // namespace

std::vector<CassetteCall> load_cassette(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw core::UsageError("--replay: cannot read " + file.string());
  std::vector<CassetteCall> calls;
  std::string line;
  for (std::size_t n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      calls.push_back(call_of(Json::parse(line)));
      calls.back().line = n;
    } catch (const std::exception& e) {
      throw core::UsageError(fmt::format("{}:{}: not a cassette call: {}", file.string(), n, e.what()));
    }
  }
  if (calls.empty()) throw core::UsageError("--replay: " + file.string() + " holds no calls");
  return calls;
}

std::string to_json_line(const CassetteCall& c) {
  Json headers = Json::array();
  for (const auto& [name, value] : c.headers) headers.push_back(Json::array({name, value}));
  Json chunks = Json::array();
  for (const auto& chunk : c.chunks) chunks.push_back(Json{{"offset_ns", chunk.offset_ns}, {"data", chunk.data}});
  const Json j{{"conversation", c.conversation}, {"match", c.match}, {"protocol", c.protocol},
               {"method", c.method}, {"path", c.path}, {"model", c.model}, {"status", c.status},
               {"head_ns", c.head_ns}, {"headers", headers}, {"chunks", chunks}};
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

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
