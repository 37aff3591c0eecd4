// `agentrace agent`: the built-in agent (src/agent/, docs/builtin-agent.md). Runs in the
// sandbox's workspace against the attempt's proxy route; one JSON line per model call
// and tool run on stdout, the conversation to --transcript, messages on stderr.
// Exit 0 when it stopped by itself or at a limit, 1 when the endpoint kept failing.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "agent/agent.hpp"
#include "app/commands.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"

namespace agentrace::app {
namespace {

struct AgentArgs {
  std::string base_url;
  std::string protocol = "openai-chat";
  std::string model;
  std::string prompt_file;
  std::string api_key_env = "AGENTRACE_API_KEY";
  int max_steps = 50;
  std::optional<int> max_tokens;
  std::optional<std::int64_t> max_total_tokens;
  std::optional<double> time_limit_s;
  std::string transcript;
  std::string workdir = ".";
};

agent::Options options_of(const AgentArgs& a) {
  agent::Options o;
  const auto protocol = wire::parse_protocol(a.protocol);
  if (!protocol || *protocol == wire::Protocol::openai_responses)
    throw core::UsageError(fmt::format("--protocol: '{}' is not spoken; use openai-chat or anthropic-messages", a.protocol));
  o.request = {*protocol, a.model, a.max_tokens};
  o.prompt = core::read_file(a.prompt_file);
  if (o.prompt.empty()) throw core::UsageError(fmt::format("--prompt-file: {} is empty", a.prompt_file));
  o.limits.max_steps = a.max_steps;
  o.limits.max_total_tokens = a.max_total_tokens;
  if (a.time_limit_s) o.limits.time_limit = std::chrono::milliseconds(static_cast<long long>(*a.time_limit_s * 1000));
  return o;
}

agent::Endpoint endpoint_of(const AgentArgs& a, wire::Protocol protocol) {
  const char* key = std::getenv(a.api_key_env.c_str());
  return agent::Endpoint{protocol, a.base_url, key != nullptr ? key : ""};
}

int run_agent_command(const AgentArgs& a) {
  const auto options = options_of(a);
  std::unique_ptr<std::ofstream> transcript;
  if (!a.transcript.empty()) {
    transcript = std::make_unique<std::ofstream>(a.transcript, std::ios::binary | std::ios::trunc);
    if (!*transcript) throw core::UsageError(fmt::format("--transcript: cannot write {}", a.transcript));
  }
  if (!std::filesystem::is_directory(a.workdir))
    throw core::UsageError(fmt::format("--workdir: {} is not a folder", a.workdir));
  auto model = agent::make_http_client(endpoint_of(a, options.request.protocol));
  if (std::getenv(a.api_key_env.c_str()) == nullptr)
    fmt::print(stderr, "agentrace agent: warning: {} is not set; calling without a key\n", a.api_key_env);
  agent::Tools tools(a.workdir);
  const auto summary = agent::run_agent(options, *model, tools, std::cout, transcript.get());
  if (summary.stop != agent::Stop::error) return 0;
  fmt::print(stderr, "agentrace agent: giving up after {} turn(s): {}\n", summary.turns, summary.error);
  return 1;
}

}  // namespace

void register_agent(CLI::App& app) {
  auto a = std::make_shared<AgentArgs>();
  auto* cmd = app.add_subcommand("agent", "Run the built-in coding agent in a folder (the `builtin` scaffold)");
  cmd->add_option("--base-url", a->base_url, "Model endpoint: with /v1 for openai-chat, without for anthropic-messages")
      ->envname("AGENTRACE_BASE_URL")
      ->required();
  cmd->add_option("--protocol", a->protocol, "openai-chat or anthropic-messages")->capture_default_str();
  cmd->add_option("--model", a->model, "Model id sent with each request")->required();
  cmd->add_option("--prompt-file", a->prompt_file, "File holding the task")->required();
  cmd->add_option("--api-key-env", a->api_key_env, "Environment variable holding the API key")->capture_default_str();
  cmd->add_option("--max-steps", a->max_steps, "Most model calls")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--max-tokens", a->max_tokens, "Most output tokens per call (anthropic default 8192)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-total-tokens", a->max_total_tokens, "Stop once input + output tokens reach this")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--time-limit", a->time_limit_s, "Stop after this many seconds")->check(CLI::PositiveNumber);
  cmd->add_option("--transcript", a->transcript, "Write the conversation here as JSON lines");
  cmd->add_option("--workdir", a->workdir, "The repository folder (default: the current folder)");
  cmd->callback([a] { exit_code() = run_agent_command(*a); });
}

}  // namespace agentrace::app
