// `agentrace sim`: the simulated model endpoint (src/sim/, docs/sim.md). Serves the three
// model protocols on loopback from scripts or a cassette, timed by a latency profile.
// The listening URL goes to stdout (one line, for tests and races to read); everything
// else to stderr. Runs until SIGINT or SIGTERM.
#include <signal.h>

#include <cstdio>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "app/commands.hpp"
#include "core/error.hpp"
#include "net/event-loop.hpp"
#include "proxy/cassette.hpp"
#include "sim/endpoint.hpp"
#include "suite/task.hpp"

namespace agentrace::app {
namespace {

struct SimArgs {
  std::string listen = "127.0.0.1:0";
  std::string profile = "zero";
  std::uint64_t seed = 0;
  std::vector<std::string> scripts;
  std::string suite;
  std::string replay;
  std::string replay_timing = "recorded";
  std::vector<std::string> models{"sim"};
  bool quiet = false;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
};

sim::EndpointOptions options_of(const SimArgs& a) {
  sim::EndpointOptions o;
  try {
    o.listen = net::parse_listen(a.listen);
  } catch (const std::invalid_argument& e) {
    throw core::UsageError(std::string("--listen: ") + e.what());
  }
  o.profile = sim::resolve_profile(a.profile);
  o.seed = a.seed;
  o.models = a.models;
  for (const auto& file : a.scripts) o.scripts.add(sim::load_script(file));
  if (!a.suite.empty()) {
    for (auto& script : sim::suite_scripts(suite::load_suite(a.suite))) o.scripts.add(std::move(script));
  }
  if (!a.replay.empty()) {
    o.cassette = proxy::load_cassette(a.replay);
    o.replay_pace = sim::parse_replay_timing(a.replay_timing);
  }
  if (!a.quiet) o.log = [](const std::string& line) { fmt::print(stderr, "agentrace sim: {}\n", line); };
  return o;
}

std::string describe(const sim::Profile& p) {
  return fmt::format("profile {} (rtt {} ms, ttft {} ms + {} ms/1k prompt tokens, {} tokens/s, {} token(s)/chunk, "
                     "jitter {}%)",
                     p.name, p.rtt_ms, p.ttft_ms, p.ttft_per_1k_tokens_ms, p.decode_tokens_per_s, p.tokens_per_chunk,
                     p.jitter_pct);
}

void run_sim(const SimArgs& a) {
  auto options = options_of(a);
  const std::string what = options.cassette
                               ? fmt::format("replaying {} ({} calls, timing {})", a.replay, options.cassette->size(), a.replay_timing)
                               : fmt::format("{} script(s) + the default", options.scripts.size());
  const std::string profile = describe(options.profile);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // the loop's thread inherits this mask

  std::vector<std::unique_ptr<net::EventLoop>> loops;
  std::vector<net::EventLoop*> loop_ptrs;
  for (unsigned i = 0; i < std::max(1u, a.threads); ++i) {
    loop_ptrs.push_back(loops.emplace_back(std::make_unique<net::EventLoop>()).get());
  }
  sim::Endpoint endpoint(loop_ptrs, std::move(options));
  for (auto& loop : loops) loop->start();
  fmt::print(stderr, "agentrace sim: SIMULATED model endpoint on {}, {}, {}, {} loop(s)\n", endpoint.url(), profile, what,
             loops.size());
  std::fputs((endpoint.url() + "\n").c_str(), stdout);
  std::fflush(stdout);
  int sig = 0;
  sigwait(&set, &sig);
  const auto late = endpoint.stats().lateness();
  fmt::print(stderr, "agentrace sim: {} responses, peak {} in flight; pieces late by p50 {:.2f} / p99 {:.2f} / max {:.2f} ms\n",
             endpoint.stats().responses(), endpoint.stats().peak_in_flight(), late.p50_ms, late.p99_ms, late.max_ms);
  endpoint.close();
  for (auto& loop : loops) loop->stop();
}

}  // namespace

void register_sim(CLI::App& app) {
  auto a = std::make_shared<SimArgs>();
  auto* cmd = app.add_subcommand("sim", "Simulated model endpoint (scripted or replayed; OpenAI chat, Anthropic, Responses)");
  cmd->add_option("--listen", a->listen, "host:port (port 0 picks one) or a Unix socket path")->capture_default_str();
  cmd->add_option("--profile", a->profile, "Latency profile: zero, local, hosted or a .toml file")->capture_default_str();
  cmd->add_option("--seed", a->seed, "Seed of the latency jitter")->capture_default_str();
  cmd->add_option("--script", a->scripts, "A script file (.toml; repeatable)");
  cmd->add_option("--suite", a->suite, "Add a script per task of this suite: apply its fix, then finish");
  cmd->add_option("--replay", a->replay, "Replay this cassette (.jsonl) instead of scripts");
  cmd->add_option("--replay-timing", a->replay_timing, "recorded, scaled:F or zero")->capture_default_str();
  cmd->add_option("--model", a->models, "Model names GET /v1/models lists (repeatable)")->capture_default_str();
  cmd->add_option("--threads", a->threads, "Event loops serving connections (default: one a core)");
  cmd->add_flag("-q,--quiet", a->quiet, "No per-request line on stderr");
  cmd->callback([a] { run_sim(*a); });
}

}  // namespace agentrace::app
