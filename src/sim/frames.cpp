#include "sim/frames.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace agentrace::sim {
namespace {

using Json = nlohmann::ordered_json;

// Fields of a turn that differ between requests of one shape, in fill()'s order: id,
// model, prompt_ms, predicted_ms, the input tokens and what encoders write from them
// (input + output, input - cached), then each tool call's id. A field a turn lacks has
// no sentinel ("" is never searched for).
constexpr double kPromptSentinel = 1234567.125;
constexpr double kPredictedSentinel = 7654321.875;
constexpr std::int64_t kInputSentinel = 900000000;

std::string call_sentinel(std::size_t i) { return fmt::format("agentrace~sentinel~call~{}~", i); }

std::string json_text(const Json& value) { return value.dump(-1, ' ', false, Json::error_handler_t::replace); }
// A string's JSON form without its quotes: what an encoder writes between them.
std::string escaped(const std::string& s) {
  const std::string quoted = json_text(Json(s));
  return quoted.substr(1, quoted.size() - 2);
}

// The input-token numbers for input tokens `input` (the sentinel or the real count).
std::vector<std::string> input_numbers(const wire::Usage& u, std::int64_t input) {
  if (!u.input) return {"", "", ""};
  const std::int64_t out = u.output.value_or(0), cached = u.cached_input.value_or(0);
  return {std::to_string(input), out > 0 ? std::to_string(input + out) : "", cached > 0 ? std::to_string(input - cached) : ""};
}

std::vector<std::string> sentinels(const wire::AssistantTurn& turn) {
  std::vector<std::string> out{"agentrace~sentinel~id~", "agentrace~sentinel~model~", json_text(Json(kPromptSentinel)),
                               json_text(Json(kPredictedSentinel))};
  for (auto& n : input_numbers(turn.usage, kInputSentinel)) out.push_back(std::move(n));
  for (std::size_t i = 0; i < turn.tool_calls.size(); ++i) out.push_back(call_sentinel(i));
  return out;
}

std::vector<std::string> values(const wire::AssistantTurn& turn) {
  std::vector<std::string> out{escaped(turn.id), escaped(turn.model), json_text(Json(*turn.timings->prompt_ms)),
                               json_text(Json(*turn.timings->predicted_ms))};
  for (auto& n : input_numbers(turn.usage, turn.usage.input.value_or(0))) out.push_back(std::move(n));
  for (const auto& call : turn.tool_calls) out.push_back(escaped(call.id));
  return out;
}

wire::AssistantTurn with_sentinels(wire::AssistantTurn turn) {
  const auto s = sentinels(turn);
  turn.id = s[0];
  turn.model = s[1];
  turn.timings = wire::ServerTimings{kPromptSentinel, kPredictedSentinel};
  if (turn.usage.input) turn.usage.input = kInputSentinel;
  for (std::size_t i = 0; i < turn.tool_calls.size(); ++i) turn.tool_calls[i].id = s[7 + i];
  return turn;
}

bool is_content(wire::EventKind kind) {
  using K = wire::EventKind;
  return kind == K::content_started || kind == K::text_delta || kind == K::reasoning_delta ||
         kind == K::tool_call_started || kind == K::tool_arguments_delta;
}

// What decides the chunks and their other numbers: not ids, model names, timings or input tokens.
std::string shape_of(wire::Protocol protocol, const wire::AssistantTurn& turn, const wire::EncodeOptions& eo) {
  const auto& u = turn.usage;
  std::string key = fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}", static_cast<int>(protocol),
                                eo.tokens_per_chunk, eo.bytes_per_token, eo.include_usage, eo.created,
                                static_cast<int>(turn.stop), u.input.has_value(), u.output.value_or(-1),
                                u.cached_input.value_or(-1), u.reasoning.value_or(-1), turn.error.has_value(),
                                turn.text.size(), turn.reasoning.size(), turn.tool_calls.size(), turn.id.empty(),
                                turn.model.empty());
  key += turn.text;
  key += '\0';
  key += turn.reasoning;
  for (const auto& call : turn.tool_calls) key += '\0' + call.name + '\0' + call.arguments + (call.id.empty() ? "0" : "1");
  if (turn.error) key += '\0' + turn.error->type + '\0' + turn.error->message;
  return key;
}

}  // namespace

FrameTemplate::FrameTemplate(wire::Protocol protocol, const wire::AssistantTurn& turn, const wire::EncodeOptions& options)
    : protocol_(protocol), options_(options) {
  const auto s = sentinels(turn);
  auto decoder = wire::make_stream_decoder(protocol);
  for (auto& sse : wire::encode_stream(protocol, with_sentinels(turn), options)) {
    bool content = false;
    for (const auto& ev : decoder->feed(sse.bytes)) content = content || is_content(ev.kind);
    tokens_.push_back(content ? std::max<std::size_t>(1, (sse.content_bytes + 3) / 4) : 0);
    Chunk chunk{std::move(sse.bytes), {}};
    for (std::size_t field = 0; field < s.size(); ++field) {
      if (s[field].empty()) continue;
      for (auto at = chunk.text.find(s[field]); at != std::string::npos; at = chunk.text.find(s[field], at + 1)) {
        chunk.holes.push_back({at, field, s[field].size()});
      }
    }
    std::sort(chunk.holes.begin(), chunk.holes.end(), [](const Hole& a, const Hole& b) { return a.at < b.at; });
    chunks_.push_back(std::move(chunk));
  }
}

std::vector<std::string> FrameTemplate::fill(const wire::AssistantTurn& turn) const {
  const auto v = values(turn);
  std::vector<std::string> out;
  out.reserve(chunks_.size());
  for (const auto& chunk : chunks_) {
    std::string& text = out.emplace_back();
    text.reserve(chunk.text.size() + 64 * chunk.holes.size());
    std::size_t from = 0;
    for (const auto& hole : chunk.holes) {
      text.append(chunk.text, from, hole.at - from);
      text += v[hole.field];
      from = hole.at + hole.size;
    }
    text.append(chunk.text, from);
  }
  return out;
}

std::vector<std::string> FrameTemplate::frames(const wire::AssistantTurn& turn) const {
  const bool timed = turn.timings && turn.timings->prompt_ms && turn.timings->predicted_ms;
  if (timed && checked_ == 1) return fill(turn);
  std::vector<std::string> encoded;
  for (auto& sse : wire::encode_stream(protocol_, turn, options_)) encoded.push_back(std::move(sse.bytes));
  if (timed && checked_ == 0) checked_ = fill(turn) == encoded ? 1 : 2;
  return encoded;
}

std::shared_ptr<const FrameTemplate> FrameCache::get(wire::Protocol protocol, const wire::AssistantTurn& turn,
                                                     const wire::EncodeOptions& options) {
  const std::string key = shape_of(protocol, turn, options);
  {
    std::lock_guard lock(mutex_);
    if (const auto it = by_shape_.find(key); it != by_shape_.end()) return it->second;
  }
  auto made = std::make_shared<const FrameTemplate>(protocol, turn, options);
  std::lock_guard lock(mutex_);
  if (by_shape_.size() >= 1024) by_shape_.clear();  // scripts' turns are few; bound the rest
  by_shape_.emplace(key, made);
  return made;
}

}  // namespace agentrace::sim
