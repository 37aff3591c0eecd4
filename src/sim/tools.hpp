#pragma once
// Generic tool steps (shell, write_file, read_file) as the call an agent expects: the
// tool name and argument names it offers in its request (Claude Code's Bash, opencode's
// bash, Codex's exec_command, Qwen Code's run_shell_command, ...). The parameter schema
// the request gives decides the argument names; without one, each name's usual schema.
// A write or read with no matching tool becomes a shell command.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/conversation.hpp"
#include "sim/script.hpp"
#include "wire/stream-event.hpp"

namespace agentrace::sim {

// Nullopt when the request offers no tool that can run it (no shell tool at all).
std::optional<wire::ToolCall> translate(const ToolStep& step, const std::vector<OfferedTool>& offered,
                                        const std::string& cwd, std::string id);

}  // namespace agentrace::sim
