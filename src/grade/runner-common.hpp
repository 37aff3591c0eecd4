#pragma once
// Helpers the report parsers share (grade/runner-*.cpp).
#include <functional>
#include <string>
#include <string_view>

namespace agentrace::grade {

// The first few hundred bytes of a failure message, on one line.
std::string cut_message(std::string_view text);
// Calls `line` for each line of the first kMaxReportBytes of text, without its "\r\n".
void for_each_line(std::string_view text, const std::function<void(std::string_view)>& line);

}  // namespace agentrace::grade
