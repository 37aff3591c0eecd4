#pragma once
// Text for `bash -c` command lines.
#include <string>
#include <string_view>

namespace agentrace::core {

// One shell word: single-quoted, a ' inside as '\''.
std::string shell_quote(std::string_view text);

}  // namespace agentrace::core
