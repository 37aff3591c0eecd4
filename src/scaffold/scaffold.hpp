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
#include "sandbox/sandbox.hpp"
#include "suite/task.hpp"

namespace agentrace::scaffold {

// Where a contender's model calls go. Every call passes through the race's recording
// proxy; the agent gets the proxy's route and a dummy key, never the real one.
struct EndpointConfig {
  std::string url;       // the server's base URL without the trailing /v1
  std::string protocol;  // openai-chat | anthropic-messages | openai-responses
  std::string key_env;   // environment variable holding the real API key ("" = none)
  std::string sim;       // a simulated endpoint's profile (zero | local | hosted | file):
                         // the race starts `agentrace sim` and labels results simulated
  bool simulated() const { return !sim.empty(); }
};

// A file shown under "how to run it" (a serve command, a compose file, a serve config).
struct Attachment {
  std::string name;     // as given in the race file, relative to it
  std::string content;
};

// What the contender's calls cost: per million tokens (hosted) or per hour of the machine (local).
struct Price {
  std::optional<double> input_per_mtok, output_per_mtok;
  std::optional<double> hourly_usd;
};

// One contender as configured in a race file (docs/contenders.md).
struct ContenderConfig {
  std::string name;
  std::string scaffold;                      // known_scaffolds()
  std::string model;                         // the model id the agent sends
  std::string cross;                         // the contender block a `scaffolds` list expanded ("" = none)
  std::vector<std::string> command;          // scaffold = command: argv, with {prompt} etc.
  std::map<std::string, std::string> env;    // extra environment inside the sandbox
  std::vector<std::string> labels;           // e.g. local, hosted, hardware
  std::string notes;                         // how it was set up, shown in the report
  std::optional<int> agent_seconds;          // overrides the task's limit
  std::optional<int> max_turns;              // model turns, where the scaffold can enforce it
  bool optional = false;                     // left out of the race (with a note) when it cannot start
  Price price;
  std::vector<Attachment> attachments;
  std::optional<EndpointConfig> endpoint;    // model endpoint, when the agent calls one
  std::string config_hash;                   // hash of all of the above
};

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

// A time span on the monotonic clock (core::mono_ns). Any value is a time, negative ones
// included: a wall-clock time from before the machine booted maps below zero.
struct Span {
  std::int64_t start_ns = 0, end_ns = 0;
  std::int64_t ns() const { return end_ns - start_ns; }
};

// One tool execution the agent reported.
struct ToolRun {
  std::string name;
  std::optional<Span> span;      // when the agent's output gives both ends
  std::optional<int> exit_code;  // shell tools, where the agent reports it
  bool error = false;            // the agent marked the result as an error
  bool timed() const { return span && span->end_ns >= span->start_ns; }
};

// What the agent said about its own run, from its machine output; stored as JSON.
struct AgentReport {
  std::optional<int> turns;
  std::optional<int> tool_calls;
  std::optional<long> input_tokens, output_tokens;
  std::optional<double> own_duration_s;
  bool reported_error = false;
  std::string error_message;
  std::string stop_reason;  // why the agent stopped, in its own words (end_turn, max_turns, ...)
  // Tool executions in order; the timed ones split the wall-clock into tool and scaffold time.
  std::vector<ToolRun> tools;
  std::string tool_times;  // where the times come from: "agent" (its own), "output lines", ""
  std::string version;  // the agent's version, when it says
  std::string to_json() const;
};

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
