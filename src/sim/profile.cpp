#include "sim/profile.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "core/toml-reader.hpp"

namespace agentrace::sim {

std::optional<Profile> builtin_profile(std::string_view name) {
  if (name == "zero") return Profile{};
  if (name == "local") return Profile{"local", 0.2, 80, 25, 60, 1, 5};
  if (name == "hosted") return Profile{"hosted", 40, 600, 8, 80, 3, 15};
  return std::nullopt;
}

Profile load_profile(const std::filesystem::path& file) {
  core::SpecErrors errors(file);
  const auto table = core::parse_toml_file(file, errors);
  errors.throw_if_any();
  core::TableReader r(*table, "", errors);
  Profile p;
  p.name = r.string("name", false).value_or(file.stem().string());
  p.rtt_ms = r.number("rtt_ms", false, 0, 600e3).value_or(0);
  p.ttft_ms = r.number("ttft_ms", false, 0, 600e3).value_or(0);
  p.ttft_per_1k_tokens_ms = r.number("ttft_per_1k_tokens_ms", false, 0, 600e3).value_or(0);
  p.decode_tokens_per_s = r.number("decode_tokens_per_s", false, 0, 1e9).value_or(0);
  p.tokens_per_chunk = static_cast<std::size_t>(r.integer("tokens_per_chunk", false, 1, 1 << 20).value_or(1));
  p.jitter_pct = r.number("jitter_pct", false, 0, 100).value_or(0);
  r.finish();
  errors.throw_if_any();
  return p;
}

Profile resolve_profile(const std::string& name_or_file) {
  if (auto p = builtin_profile(name_or_file)) return *p;
  if (!name_or_file.ends_with(".toml")) {
    throw core::UsageError("--profile: '" + name_or_file + "' is neither zero, local, hosted nor a .toml file");
  }
  if (!std::filesystem::exists(name_or_file)) throw core::UsageError("--profile: no such file " + name_or_file);
  return load_profile(name_or_file);
}

double Jitter::factor() {
  if (spread_ <= 0) return 1.0;
  const double unit = static_cast<double>(gen_.next() >> 11) * 0x1.0p-53;  // [0, 1)
  return 1.0 + spread_ * (2.0 * unit - 1.0);
}

std::uint64_t request_seed(std::uint64_t seed, std::string_view body) {
  std::uint64_t h = 0xcbf29ce484222325ULL ^ seed;
  for (unsigned char c : body) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

namespace {

std::int64_t to_ns(double ms) { return static_cast<std::int64_t>(std::llround(ms * 1e6)); }

double ttft_ms(const Profile& p, std::int64_t prompt_tokens) {
  return p.ttft_ms + p.ttft_per_1k_tokens_ms * static_cast<double>(prompt_tokens) / 1000.0;
}

double decode_ms(const Profile& p, std::size_t tokens) {
  return p.decode_tokens_per_s > 0 ? 1000.0 * static_cast<double>(tokens) / p.decode_tokens_per_s : 0.0;
}

}  // namespace

Schedule plan_stream(const Profile& profile, std::int64_t prompt_tokens, const std::vector<std::size_t>& chunk_tokens,
                     std::uint64_t seed) {
  Jitter jitter(seed, profile.jitter_pct);
  Schedule s;
  s.head_ns = to_ns(profile.rtt_ms * jitter.factor());
  double at_ms = static_cast<double>(s.head_ns) / 1e6;
  bool content_seen = false;
  for (const std::size_t tokens : chunk_tokens) {
    if (tokens > 0 && !content_seen) {
      content_seen = true;
      s.prompt_ms = ttft_ms(profile, prompt_tokens) * jitter.factor();
      at_ms += s.prompt_ms;
    } else if (tokens > 0) {
      const double gap = decode_ms(profile, tokens) * jitter.factor();
      s.predicted_ms += gap;
      at_ms += gap;
    }
    s.offsets_ns.push_back(to_ns(at_ms));
  }
  return s;
}

Schedule plan_whole(const Profile& profile, std::int64_t prompt_tokens, std::int64_t output_tokens,
                    std::uint64_t seed) {
  Jitter jitter(seed, profile.jitter_pct);
  Schedule s;
  const double rtt = profile.rtt_ms * jitter.factor();
  s.prompt_ms = ttft_ms(profile, prompt_tokens) * jitter.factor();
  s.predicted_ms = decode_ms(profile, static_cast<std::size_t>(std::max<std::int64_t>(output_tokens - 1, 0))) *
                   jitter.factor();
  s.head_ns = to_ns(rtt + s.prompt_ms + s.predicted_ms);
  s.offsets_ns.push_back(s.head_ns);
  return s;
}

}  // namespace agentrace::sim
