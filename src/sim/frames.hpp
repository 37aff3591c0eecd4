#pragma once
// A stream's frames encoded once per turn shape and filled in per request. Requests of
// one shape (same text, tool calls, output tokens, options) differ only in their ids,
// model name, server timings and input tokens: encoding a 100-chunk stream through JSON for every request was a
// third of the sim's CPU at 1,000 streams. A shape's frames are encoded with sentinel
// values, and the first request of the shape checks that filling them in gives exactly
// what the encoder gives; a shape where it does not (an encoder that derives bytes from
// a value) is encoded in full every time.
#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "wire/codec.hpp"
#include "wire/protocol.hpp"

namespace agentrace::sim {

class FrameTemplate {
 public:
  FrameTemplate(wire::Protocol protocol, const wire::AssistantTurn& turn, const wire::EncodeOptions& options);

  // Tokens of each chunk as a reader counts them: 0 for chunks without content.
  const std::vector<std::size_t>& tokens() const { return tokens_; }
  // The chunks for this turn (of the template's shape, its timings set).
  std::vector<std::string> frames(const wire::AssistantTurn& turn) const;
  // The chunks as filled in from the template alone (frames() checks them once).
  std::vector<std::string> fill(const wire::AssistantTurn& turn) const;

 private:
  struct Hole {
    std::size_t at;     // offset in the chunk's text
    std::size_t field;  // index into the values fill() computes
    std::size_t size;   // the sentinel's length
  };
  struct Chunk {
    std::string text;
    std::vector<Hole> holes;
  };
  wire::Protocol protocol_;
  wire::EncodeOptions options_;
  std::vector<Chunk> chunks_;
  std::vector<std::size_t> tokens_;
  mutable std::atomic<int> checked_{0};  // 0 not yet, 1 fill() matches the encoder, 2 it does not
};

// The templates by shape, shared by every loop.
class FrameCache {
 public:
  std::shared_ptr<const FrameTemplate> get(wire::Protocol protocol, const wire::AssistantTurn& turn,
                                           const wire::EncodeOptions& options);

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<const FrameTemplate>> by_shape_;
};

}  // namespace agentrace::sim
