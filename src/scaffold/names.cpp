// The scaffolds' names, apart from the adapters: the race file's parser (and its fuzz
// target) needs the names alone.
#include "scaffold/scaffold.hpp"

namespace agentrace::scaffold {

std::vector<std::string> known_scaffolds() {
  return {"oracle", "nop", "command", "builtin", "claude-code", "opencode", "codex", "qwen-code"};
}

}  // namespace agentrace::scaffold
