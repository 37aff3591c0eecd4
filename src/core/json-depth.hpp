#pragma once
// A guard for JSON from hostile sources (an agent, an endpoint): nlohmann's parser is
// iterative, but copying, comparing or dumping a value recurses once per level, so a
// document nested 100,000 deep overflows the stack. Callers refuse such text unparsed.
#include <string_view>

namespace agentrace::core {

// Whether the brackets of `text` (those inside strings aside) nest at most max_depth deep.
bool json_nesting_within(std::string_view text, int max_depth);

}  // namespace agentrace::core
