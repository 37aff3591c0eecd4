#include "grade/offline.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace agentrace::grade {
namespace {

// What npm, pip, cargo, go, curl, git, apt and getaddrinfo print without a network.
constexpr std::string_view kSymptoms[] = {
    "could not resolve host", "temporary failure in name resolution", "enotfound", "eai_again",
    "name or service not known", "network is unreachable", "no such host", "failed to establish a new connection",
    "could not resolve proxy", "nodename nor servname", "unable to access 'http", "getaddrinfo"};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

std::optional<std::string> network_symptom(std::string_view output) {
  const auto text = lower(output);
  for (const auto symptom : kSymptoms) {
    const auto at = text.find(symptom);
    if (at != std::string::npos) return std::string(output.substr(at, symptom.size()));
  }
  return std::nullopt;
}

std::string offline_note(const std::vector<store::TestOutcome>& outcomes) {
  for (const auto& o : outcomes) {
    if (o.passed) continue;
    if (const auto symptom = network_symptom(o.output_tail))
      return fmt::format("{} '{}' failed as a missing network does (\"{}\"): grading is offline, so what the "
                         "tests download belongs in [environment] setup",
                         o.tier, o.name, *symptom);
  }
  return "";
}

}  // namespace agentrace::grade
