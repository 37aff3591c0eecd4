#pragma once
// A scaffold adapter starts one agent for one attempt: it prepares the agent's HOME
// and config, names the command to run inside the sandbox, and reads the agent's own
// output afterwards. Built in: oracle, nop, command, builtin, claude-code, opencode, codex
// and qwen-code.
#include <chrono>
#include <cstdint>
#include <utility>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "proc/spawn.hpp"
#include "record/agent-report.hpp"
#include "record/contender.hpp"
#include "sandbox/sandbox.hpp"
#include "suite/task.hpp"

namespace agentrace::scaffold {

// The contender as configured, and what the agent reports, are records (record/): the
// store keeps them and the report reads them without this module.
using record::Attachment;
using record::ContenderConfig;
using record::EndpointConfig;
using record::Price;

struct AttemptContext {
  const suite::Task& task;
  const ContenderConfig& contender;
  std::filesystem::path workspace;  // host path of the checkout
  std::filesystem::path home;       // host path bound as the agent's HOME
  std::filesystem::path logs;       // host folder for the agent's output files
  sandbox::Mode mode = sandbox::Mode::bwrap;
  std::chrono::seconds limit{900};
  std::string base_url;  // the model endpoint as the agent must call it (proxy route), "" = none
  std::string api_key;   // the dummy key the agent presents
};

struct Launch {
  std::vector<std::string> argv;               // empty: nothing runs in the sandbox
  std::map<std::string, std::string> env;
  std::vector<sandbox::Mount> mounts;
};

using record::AgentReport;
using record::Span;
using record::ToolRun;

// Where scripts/setup-agents installed the agent CLIs: $AGENTRACE_AGENTS_DIR, else
// agents/ in the source tree.
std::filesystem::path agents_dir();

class Scaffold {
 public:
  virtual ~Scaffold() = default;
  virtual std::string name() const = 0;
  // Before the race: throws core::UsageError naming what to fix (agent missing...).
  virtual void check(const ContenderConfig& contender) const;
  // Writes config into ctx.home, may change the workspace (oracle), returns the command.
  virtual Launch prepare(const AttemptContext& ctx) = 0;
  // The protocol an endpoint without one gets ("" = none).
  virtual std::string default_protocol() const { return ""; }
  // Reads the agent's own output after it stopped.
  virtual AgentReport parse_output(const AttemptContext& ctx, const proc::ProcResult& result);
};

// Throws core::UsageError listing the known scaffolds when `name` is unknown.
std::unique_ptr<Scaffold> make(const std::string& name);
std::vector<std::string> known_scaffolds();

}  // namespace agentrace::scaffold
