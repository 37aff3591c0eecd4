#include "store/records.hpp"

#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace agentrace::store {

ClaimOrder::ClaimOrder(const std::vector<std::string>& ids) : ids_json(nlohmann::json(ids).dump()) {}

namespace {

// Each enum's names, once: to_string and parsing both read them.
constexpr std::pair<AttemptState, const char*> kStates[] = {
    {AttemptState::planned, "planned"}, {AttemptState::running, "running"}, {AttemptState::done, "done"},
    {AttemptState::timed_out, "timed_out"}, {AttemptState::infra_error, "infra_error"}};

constexpr std::pair<FailureClass, const char*> kFailures[] = {
    {FailureClass::none, "none"},         {FailureClass::agent_error, "agent_error"}, {FailureClass::timeout, "timeout"},
    {FailureClass::sandbox, "sandbox"},   {FailureClass::workspace, "workspace"},     {FailureClass::grading, "grading"},
    {FailureClass::connect, "connect"},   {FailureClass::status, "status"},           {FailureClass::stream, "stream"},
    {FailureClass::auth, "auth"},         {FailureClass::spawn, "spawn"}};

template <class E, std::size_t N>
std::string name_of(const std::pair<E, const char*> (&names)[N], E value) {
  for (const auto& [v, name] : names)
    if (v == value) return name;
  return "?";
}

template <class E, std::size_t N>
E parse_name(const std::pair<E, const char*> (&names)[N], const std::string& s, const char* what) {
  for (const auto& [v, name] : names)
    if (s == name) return v;
  throw core::InfraError(fmt::format("store: unknown {} '{}'", what, s));
}

}  // namespace

std::string to_string(AttemptState s) { return name_of(kStates, s); }
AttemptState parse_state(const std::string& s) { return parse_name(kStates, s, "attempt state"); }
std::string to_string(FailureClass f) { return name_of(kFailures, f); }
FailureClass parse_failure(const std::string& s) { return parse_name(kFailures, s, "failure class"); }

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
