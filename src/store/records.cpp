#include "store/records.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace agentrace::store {

ClaimOrder::ClaimOrder(const std::vector<std::string>& ids) : ids_json(nlohmann::json(ids).dump()) {}

std::string to_string(AttemptState s) {
  switch (s) {
    case AttemptState::planned: return "planned";
    case AttemptState::running: return "running";
    case AttemptState::done: return "done";
    case AttemptState::timed_out: return "timed_out";
    case AttemptState::infra_error: return "infra_error";
  }
  return "?";
}

AttemptState parse_state(const std::string& s) {
  for (auto st : {AttemptState::planned, AttemptState::running, AttemptState::done,
                  AttemptState::timed_out, AttemptState::infra_error}) {
    if (to_string(st) == s) return st;
  }
  throw core::InfraError(fmt::format("store: unknown attempt state '{}'", s));
}

std::string to_string(FailureClass f) {
  switch (f) {
    case FailureClass::none: return "none";
    case FailureClass::agent_error: return "agent_error";
    case FailureClass::timeout: return "timeout";
    case FailureClass::sandbox: return "sandbox";
    case FailureClass::workspace: return "workspace";
    case FailureClass::grading: return "grading";
    case FailureClass::connect: return "connect";
    case FailureClass::status: return "status";
    case FailureClass::stream: return "stream";
    case FailureClass::auth: return "auth";
    case FailureClass::spawn: return "spawn";
  }
  return "?";
}

FailureClass parse_failure(const std::string& s) {
  for (auto f : {FailureClass::none, FailureClass::agent_error, FailureClass::timeout,
                 FailureClass::sandbox, FailureClass::workspace, FailureClass::grading,
                 FailureClass::connect, FailureClass::status, FailureClass::stream, FailureClass::auth,
                 FailureClass::spawn}) {
    if (to_string(f) == s) return f;
  }
  throw core::InfraError(fmt::format("store: unknown failure class '{}'", s));
}

bool is_infra(FailureClass f) {
  return f == FailureClass::sandbox || f == FailureClass::workspace || f == FailureClass::grading ||
         f == FailureClass::connect || f == FailureClass::status || f == FailureClass::stream ||
         f == FailureClass::auth || f == FailureClass::spawn;
}

std::string grade_name(int grade) {
  switch (grade) {
    case 0: return "Miss";
    case 1: return "Basic";
    case 2: return "Solid";
    case 3: return "Complete";
  }
  return "-";
}

}  // namespace agentrace::store
