#include "record/speed.hpp"

#include "core/json-fields.hpp"

namespace agentrace::record {

template <class V>
void fields(V& v, SpeedOptions& o) {
  v("prompt", o.prompt);
  v("output", o.output);
  v("concurrency", o.concurrency);
  v("rate", o.rate);
  v("arrival", o.arrival);
  v("seed", o.seed);
  v("reps", o.reps);
  v("warmup", o.warmup);
  v("requests", o.requests);
  v("prefix_cache", o.prefix_cache);
  v("shared_prefix", o.shared_prefix);
  v("stream", o.stream);
  v("ignore_eos", o.ignore_eos);
  v("slo", o.slo);
}

// A figure the run did not measure is null in the printers' row.
template <class V>
void fields(V& v, SpeedCase& c) {
  v("prompt_tokens", c.prompt_tokens);
  v("output_tokens", c.output_tokens);
  v("concurrency", c.concurrency);
  v("rate", c.rate);
  v("ttft_ms_median", c.ttft_ms_median, core::Rule::null_empty);
  v("decode_tps_median", c.decode_tps_median, core::Rule::null_empty);
  v("output_tps_mean", c.output_tps_mean, core::Rule::null_empty);
  v("ok", c.ok);
  v("requests", c.requests);
}

void to_json(nlohmann::json& j, const SpeedOptions& o) { core::write_fields(j, o); }
void from_json(const nlohmann::json& j, SpeedOptions& o) { core::read_fields(j, o, "speed options"); }
void to_json(nlohmann::json& j, const SpeedCase& c) { core::write_fields(j, c); }
void from_json(const nlohmann::json& j, SpeedCase& c) { core::read_fields(j, c, "speed case"); }

}  // namespace agentrace::record
