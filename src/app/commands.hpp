#pragma once
// Each subcommand lives in its own cmd-<name>.cpp and registers itself here.
// The callback it sets runs the command; errors propagate as core::UsageError
// (exit 2, message names the fix) or core::InfraError (exit 1).
#include <CLI/CLI.hpp>

namespace agentrace::app {

void register_run(CLI::App& app);       // cmd-run.cpp: race a suite (the main job)
void register_report(CLI::App& app);    // cmd-report.cpp: print results from a store
void register_validate(CLI::App& app);  // cmd-validate.cpp: oracle/nop check of a suite
void register_probe(CLI::App& app);     // cmd-probe.cpp: can this machine sandbox?
void register_proxy(CLI::App& app);     // cmd-proxy.cpp: standalone recording proxy
void register_relay(CLI::App& app);     // cmd-relay.cpp: TCP->Unix socket relay (inside the sandbox)
void register_sim(CLI::App& app);       // cmd-sim.cpp: simulated model endpoint
void register_agents(CLI::App& app);    // cmd-agents.cpp: installed agent CLIs and versions
void register_review(CLI::App& app);    // cmd-review.cpp: blind human grading page
void register_agent(CLI::App& app);     // cmd-agent.cpp: the built-in agent (runs inside the sandbox)
void register_speed(CLI::App& app);     // cmd-speed.cpp: endpoint speed test (load generator)
void register_task(CLI::App& app);      // cmd-task.cpp: task new (a task from a fix commit)
void register_worker(CLI::App& app);    // cmd-worker.cpp: one shard of a plan (Slurm, Kubernetes)
void register_merge(CLI::App& app);     // cmd-merge.cpp: fold shard stores into one
void register_import(CLI::App& app);    // cmd-import.cpp: SWE-bench (and other suites) as tasks
void register_env(CLI::App& app);       // cmd-env.cpp: task environments (build, list, prune)

// Set by main: the process exit code a command wants (0 unless it sets one).
int& exit_code();

}  // namespace agentrace::app
