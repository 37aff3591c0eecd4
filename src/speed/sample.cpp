#include "speed/sample.hpp"

#include <cmath>

namespace agentrace::speed {

std::string_view error_class_name(ErrorClass e) {
  switch (e) {
    case ErrorClass::none: return "none";
    case ErrorClass::connect: return "connect";
    case ErrorClass::status: return "status";
    case ErrorClass::stream: return "stream";
    case ErrorClass::timeout: return "timeout";
  }
  return "none";
}

std::string_view token_source_name(TokenSource s) {
  switch (s) {
    case TokenSource::usage: return "usage";
    case TokenSource::chunks: return "chunks";
    case TokenSource::bytes: return "bytes";
  }
  return "usage";
}

double Sample::ms_since_scheduled(std::int64_t at_ns) const {
  return at_ns == 0 ? -1.0 : static_cast<double>(at_ns - scheduled_ns) / 1e6;
}

namespace {
nlohmann::json ms(double v) { return v < 0 ? nlohmann::json(nullptr) : nlohmann::json(std::round(v * 1000) / 1000); }
template <typename T>
nlohmann::json opt(const std::optional<T>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }
}  // namespace

nlohmann::ordered_json to_json(const Sample& s) {
  nlohmann::ordered_json chunks = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < s.chunk_ns.size(); ++i) chunks.push_back({ms(s.ms_since_scheduled(s.chunk_ns[i])), s.chunk_bytes[i]});
  nlohmann::ordered_json j{
      {"case", s.case_index}, {"rep", s.rep}, {"sequence", s.sequence}, {"scheduled_ns", s.scheduled_ns},
      {"queued_ms", ms(s.ms_since_scheduled(s.sent_ns))}, {"first_byte_ms", ms(s.ms_since_scheduled(s.first_byte_ns))},
      {"first_chunk_ms", ms(s.ms_since_scheduled(s.first_chunk_ns))},
      {"first_content_ms", ms(s.ms_since_scheduled(s.first_content_ns))}, {"end_ms", ms(s.ms_since_scheduled(s.end_ns))},
      {"status", s.status}, {"error", error_class_name(s.error)}, {"error_detail", s.error_detail},
      {"input_tokens", opt(s.input_tokens)}, {"output_tokens", s.output_tokens},
      {"token_source", token_source_name(s.token_source)}, {"server_prompt_ms", opt(s.server_prompt_ms)},
      {"server_predicted_ms", opt(s.server_predicted_ms)},
      {"request_sent_ms", ms(s.ms_since_scheduled(s.request_sent_ns))},
      {"sim_received_ms", s.sim_received_ns ? ms(s.ms_since_scheduled(s.sim_received_ns)) : nlohmann::json(nullptr)},
      {"sim_sent_ms", s.sim_sent_ns ? ms(s.ms_since_scheduled(s.sim_sent_ns)) : nlohmann::json(nullptr)},
      {"chunks", chunks}};
  return j;
}

}  // namespace agentrace::speed
