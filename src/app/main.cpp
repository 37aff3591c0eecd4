// agentrace: race coding agents on real tasks.
// A race, followed from here: cmd-run.cpp parses the race file and flags ->
// suite/ loads and validates the tasks -> race::plan (race-spec) makes the attempts ->
// race/scheduler runs them (workspace/, sandbox/, scaffold/, proc/, grade/) ->
// store/ keeps every finished attempt -> report/ prints the summary.
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "app/commands.hpp"
#include "core/error.hpp"
#include "core/version.hpp"

namespace agentrace::app {
int& exit_code() {
  static int code = 0;
  return code;
}
}  // namespace agentrace::app

int main(int argc, char** argv) {
  using namespace agentrace;
  CLI::App app{"agentrace: race coding agents on real bug-fix tasks"};
  app.set_version_flag("--version", core::version());
  app.require_subcommand(1);
  app::register_run(app);
  app::register_report(app);
  app::register_validate(app);
  app::register_probe(app);
  app::register_proxy(app);
  app::register_relay(app);
  app::register_sim(app);
  app::register_agents(app);
  app::register_review(app);
  app::register_agent(app);
  app::register_speed(app);
  app::register_task(app);
  app::register_worker(app);
  app::register_merge(app);
  app::register_import(app);
  app::register_env(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const core::UsageError& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
  return app::exit_code();
}
