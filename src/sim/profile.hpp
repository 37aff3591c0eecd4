#pragma once
// Latency profiles: how long the simulated endpoint takes to answer. A stream's first
// content chunk comes after rtt + ttft (ttft grows with the prompt), then each content
// chunk after the time its tokens take at the decode rate. Jitter multiplies every delay by
// a factor in [1 - jitter, 1 + jitter], drawn from a generator seeded per request, so a
// fixed --seed gives the same timings for the same request.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/stats.hpp"

namespace agentrace::sim {

struct Profile {
  std::string name = "zero";
  double rtt_ms = 0;                 // added network round trip, before the response head
  double ttft_ms = 0;                // time to first token for an empty prompt
  double ttft_per_1k_tokens_ms = 0;  // added per 1000 prompt tokens
  double decode_tokens_per_s = 0;    // 0: no decode delay
  std::size_t tokens_per_chunk = 1;  // tokens carried by one stream chunk
  double jitter_pct = 0;             // +- this percentage on every delay
};

// "zero", "local", "hosted"; nullopt for another name.
std::optional<Profile> builtin_profile(std::string_view name);
// A TOML profile file (keys as in Profile; docs/sim.md). Throws core::UsageError.
Profile load_profile(const std::filesystem::path& file);
// A built-in name or a .toml file.
Profile resolve_profile(const std::string& name_or_file);

// Jitter factors from a deterministic generator (core::SplitMix64): the same seed gives
// the same sequence everywhere.
class Jitter {
 public:
  Jitter(std::uint64_t seed, double jitter_pct) : gen_(seed), spread_(jitter_pct / 100.0) {}
  double factor();  // uniform in [1 - spread, 1 + spread]

 private:
  core::SplitMix64 gen_;
  double spread_;
};

// 64-bit FNV-1a mixed with a seed: the per-request jitter seed.
std::uint64_t request_seed(std::uint64_t seed, std::string_view body);

// When each chunk of a stream goes out.
struct Schedule {
  std::vector<std::int64_t> offsets_ns;  // per chunk, from the request's arrival
  std::int64_t head_ns = 0;              // the response head (the round trip)
  double prompt_ms = 0;                  // time to first token, as the server reports it
  double predicted_ms = 0;               // decode time, as the server reports it
};

// chunk_tokens: tokens of each chunk, 0 for a chunk without content (role, stop, usage):
// those go out with the chunk before them (or with the head). The first content chunk
// comes at rtt + ttft; each later one after tokens / decode rate.
Schedule plan_stream(const Profile& profile, std::int64_t prompt_tokens, const std::vector<std::size_t>& chunk_tokens,
                     std::uint64_t seed);
// When each piece of a stream is due, from its planned offset: once the first content piece
// went out late, every later piece is due that much later too. A real server that starts
// late stays late; it does not decode faster to catch up (fixed offsets from the request
// sent a late stream's pieces in a burst, and its decode rate read 1.17x the profile).
class Pacer {
 public:
  explicit Pacer(std::size_t first_content) : first_(first_content) {}
  std::size_t first_content() const { return first_; }
  std::int64_t due(std::size_t piece, std::int64_t planned_ns) const {
    return piece > first_ && first_ != kNone ? planned_ns + shift_ : planned_ns;
  }
  // Piece `piece`, planned at planned_ns, went out at sent_ns.
  void sent(std::size_t piece, std::int64_t planned_ns, std::int64_t sent_ns) {
    if (piece == first_) shift_ = sent_ns > planned_ns ? sent_ns - planned_ns : 0;
  }

  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

 private:
  std::size_t first_;
  std::int64_t shift_ = 0;
};

// A non-streaming answer: the whole body goes out at rtt + ttft + (output_tokens - 1) / rate.
Schedule plan_whole(const Profile& profile, std::int64_t prompt_tokens, std::int64_t output_tokens,
                    std::uint64_t seed);

}  // namespace agentrace::sim
