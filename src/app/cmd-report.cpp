// `agentrace report`: print a race's results from the store (markdown, json, csv), or
// write them as a static site with --html DIR.
#include <fmt/format.h>

#include "app/commands.hpp"
#include "core/error.hpp"
#include "interop/predictions.hpp"
#include "report/race-data.hpp"
#include "report/report.hpp"

namespace agentrace::app {

void register_report(CLI::App& app) {
  struct Args {
    std::string db = "agentrace.db";
    std::string race;
    std::string format = "markdown";
    bool attempts = false;
    std::string html;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("report", "Print the results of a race");
  cmd->add_option("--db", args->db, "Results store (SQLite)")->capture_default_str();
  cmd->add_option("--race", args->race, "Race name or id (default: the latest race in the store)");
  cmd->add_option("--format", args->format, "markdown, json, csv, or swe-bench (predictions JSONL)")->capture_default_str();
  cmd->add_flag("--attempts", args->attempts, "One row per attempt instead of per contender");
  cmd->add_option("--html", args->html,
                  "Write a static site (overview, tasks, contenders, about, one page per attempt) into this folder");
  cmd->callback([args] {
    if (!std::filesystem::exists(args->db))
      throw core::UsageError(fmt::format("--db {}: no such results store; run `agentrace run` first", args->db));
    store::Store db(args->db);
    const auto races = db.races();
    if (races.empty()) throw core::UsageError(fmt::format("--db {}: the store holds no race yet", args->db));
    std::optional<store::RaceRow> race = args->race.empty() ? races.back() : db.race(args->race);
    if (!race) {
      std::string names;
      for (const auto& r : races) names += " " + r.name;
      throw core::UsageError(fmt::format("--race {}: not in {}; races there:{}", args->race, args->db, names));
    }
    if (args->format == "swe-bench") {
      fmt::print("{}", interop::swe_bench_predictions(db, race->id));
      return;
    }
    report::ReportOptions opts{report::parse_format(args->format), args->attempts};
    const auto data = report::load_race(db, *race);
    if (args->html.empty()) {
      fmt::print("{}", report::render(data, opts));
      return;
    }
    const int pages = report::write_site(data, args->html);
    fmt::print("{}\n", (std::filesystem::absolute(args->html) / "index.html").string());
    fmt::print(stderr, "report: wrote {} pages to {}{}\n", pages, args->html, data.simulated ? " (simulated endpoint)" : "");
  });
}

}  // namespace agentrace::app
