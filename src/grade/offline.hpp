#pragma once
// Grading runs without a network. A step that failed the way a missing network fails
// (a package manager that cannot resolve its registry) says so, with the fix.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/records.hpp"

namespace agentrace::grade {

// The phrase of `output` that shows a missing network ("Could not resolve host", ENOTFOUND ...).
std::optional<std::string> network_symptom(std::string_view output);

// For the grade detail: the first failed step with such output, in words; "" when none.
std::string offline_note(const std::vector<store::TestOutcome>& outcomes);

}  // namespace agentrace::grade
