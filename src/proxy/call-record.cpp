#include "proxy/call-record.hpp"

#include <array>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/json-fields.hpp"

namespace agentrace::proxy {
namespace {

constexpr std::array<std::pair<ErrorClass, std::string_view>, 11> class_names{{
    {ErrorClass::none, "none"},
    {ErrorClass::connect, "connect"},
    {ErrorClass::tls, "tls"},
    {ErrorClass::status_4xx, "status_4xx"},
    {ErrorClass::status_429, "status_429"},
    {ErrorClass::status_5xx, "status_5xx"},
    {ErrorClass::reset, "reset"},
    {ErrorClass::stalled, "stalled"},
    {ErrorClass::malformed, "malformed"},
    {ErrorClass::client_gone, "client_gone"},
    {ErrorClass::timeout, "timeout"},
}};

template <class T>
void put_opt(nlohmann::json& j, const char* key, const std::optional<T>& v) {
  j[key] = v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace

std::string_view error_class_name(ErrorClass c) {
  for (const auto& [k, name] : class_names) {
    if (k == c) return name;
  }
  return "none";
}

std::optional<ErrorClass> parse_error_class(std::string_view name) {
  for (const auto& [k, n] : class_names) {
    if (n == name) return k;
  }
  return std::nullopt;
}

void to_json(nlohmann::json& j, const CallRecord& r) {
  nlohmann::json chunks = nlohmann::json::array();
  for (const auto& c : r.chunks) chunks.push_back({c.offset_ns, c.bytes});
  j = {{"attempt_id", r.attempt_id},
       {"sequence", r.sequence},
       {"protocol", r.protocol},
       {"method", r.method},
       {"path", r.path},
       {"model", r.model},
       {"stream", r.stream},
       {"request_bytes", r.request_bytes},
       {"response_bytes", r.response_bytes},
       {"start_wall_ms", r.start_wall_ms},
       {"start_mono_ns", r.start_mono_ns},
       {"connect_ms", r.connect_ms},
       {"tls_ms", r.tls_ms},
       {"request_sent_ms", r.request_sent_ms},
       {"response_headers_ms", r.response_headers_ms},
       {"first_byte_ms", r.first_byte_ms},
       {"first_chunk_ms", r.first_chunk_ms},
       {"first_content_ms", r.first_content_ms},
       {"last_byte_ms", r.last_byte_ms},
       {"end_ms", r.end_ms},
       {"reused_connection", r.reused_connection},
       {"chunk_count", r.chunks.size()},
       {"chunks", std::move(chunks)},
       {"stop_reason", r.stop_reason},
       {"tool_call_ids", r.tool_call_ids},
       {"tool_result_ids", r.tool_result_ids},
       {"status", r.status},
       {"error", error_class_name(r.error)},
       {"error_detail", r.error_detail},
       {"stream_error", r.stream_error}};
  put_opt(j, "input_tokens", r.input_tokens);
  put_opt(j, "output_tokens", r.output_tokens);
  put_opt(j, "cached_tokens", r.cached_tokens);
  put_opt(j, "reasoning_tokens", r.reasoning_tokens);
  put_opt(j, "server_prompt_ms", r.server_prompt_ms);
  put_opt(j, "server_predicted_ms", r.server_predicted_ms);
}

void from_json(const nlohmann::json& j, CallRecord& r) {
  r = CallRecord{};
  j.at("attempt_id").get_to(r.attempt_id);
  j.at("sequence").get_to(r.sequence);
  j.at("protocol").get_to(r.protocol);
  j.at("method").get_to(r.method);
  j.at("path").get_to(r.path);
  j.at("model").get_to(r.model);
  j.at("stream").get_to(r.stream);
  j.at("request_bytes").get_to(r.request_bytes);
  j.at("response_bytes").get_to(r.response_bytes);
  j.at("start_wall_ms").get_to(r.start_wall_ms);
  j.at("start_mono_ns").get_to(r.start_mono_ns);
  j.at("connect_ms").get_to(r.connect_ms);
  j.at("tls_ms").get_to(r.tls_ms);
  j.at("request_sent_ms").get_to(r.request_sent_ms);
  j.at("response_headers_ms").get_to(r.response_headers_ms);
  j.at("first_byte_ms").get_to(r.first_byte_ms);
  j.at("first_chunk_ms").get_to(r.first_chunk_ms);
  j.at("first_content_ms").get_to(r.first_content_ms);
  j.at("last_byte_ms").get_to(r.last_byte_ms);
  j.at("end_ms").get_to(r.end_ms);
  j.at("reused_connection").get_to(r.reused_connection);
  for (const auto& c : j.at("chunks")) r.chunks.push_back({c.at(0).get<std::int64_t>(), c.at(1).get<std::uint32_t>()});
  j.at("stop_reason").get_to(r.stop_reason);
  j.at("tool_call_ids").get_to(r.tool_call_ids);
  j.at("tool_result_ids").get_to(r.tool_result_ids);
  j.at("status").get_to(r.status);
  r.error = parse_error_class(j.at("error").get<std::string>()).value_or(ErrorClass::none);
  j.at("error_detail").get_to(r.error_detail);
  j.at("stream_error").get_to(r.stream_error);
  core::read(j, "input_tokens", r.input_tokens);
  core::read(j, "output_tokens", r.output_tokens);
  core::read(j, "cached_tokens", r.cached_tokens);
  core::read(j, "reasoning_tokens", r.reasoning_tokens);
  core::read(j, "server_prompt_ms", r.server_prompt_ms);
  core::read(j, "server_predicted_ms", r.server_predicted_ms);
}

std::string to_json_line(const CallRecord& r) {
  return nlohmann::json(r).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace agentrace::proxy
