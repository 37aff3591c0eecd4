#include "grade/grade.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "grade/harness.hpp"
#include "grade/hygiene.hpp"
#include "grade/offline.hpp"
#include "grade/runner.hpp"
#include "proc/spawn.hpp"

namespace agentrace::grade {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kTailBytes = 4000;

// Where one grading runs its test commands.
struct Bench {
  const suite::Task& task;
  fs::path checkout, scratch;
  sandbox::Mode mode;
  const sandbox::Environment& environment;
  fs::path logs(int index) const { return scratch / fmt::format("logs-{}", index); }
};

// The hidden tests shown at [hidden_tests] at, and a fresh [tests] logs folder per command.
std::vector<sandbox::Mount> task_mounts(const Bench& b, int index) {
  std::vector<sandbox::Mount> out;
  if (!b.task.hidden_at && !b.task.logs) return out;
  if (b.mode == sandbox::Mode::none)
    throw core::UsageError(fmt::format("{}: [hidden_tests] at and [tests] logs need the sandbox; run without --sandbox none",
                                       b.task.spec_file.string()));
  if (b.task.hidden_at) out.push_back({b.scratch / "hidden", *b.task.hidden_at, false});
  if (b.task.logs) {
    fs::create_directories(b.logs(index));
    out.push_back({b.logs(index), *b.task.logs, true});
  }
  return out;
}

store::TestOutcome run_test(const Bench& b, const std::string& tier, const std::string& name, const std::string& cmd,
                            int timeout_s, int index) {
  const auto home = b.scratch / fmt::format("home-{}", index);
  fs::create_directories(home);
  sandbox::Spec sb{b.checkout, home, task_mounts(b, index), {}, {}};
  sb.environment = b.environment;
  auto spec = sandbox::wrap(sb, b.mode, {"bash", "-c", cmd});
  const auto log = b.scratch / fmt::format("test-{}.log", index);
  spec.stdout_path = log;
  spec.stderr_path = b.scratch / fmt::format("test-{}.err", index);
  spec.timeout = std::chrono::seconds(timeout_s);
  spec.output_cap = kMaxReportBytes;
  const auto r = proc::run(spec);
  store::TestOutcome o;
  o.tier = tier;
  o.name = name;
  o.passed = r.ok();
  o.exit_code = r.exit_code;
  o.timed_out = r.timed_out;
  o.duration_s = r.wall_s;
  o.output_tail = core::read_tail(log, kTailBytes / 2) + core::read_tail(spec.stderr_path, kTailBytes / 2);
  return o;
}

}  // namespace

GradeResult auto_grade(const suite::Task& task, std::vector<store::TestOutcome> outcomes) {
  GradeResult g;
  auto count = [&](const std::string& tier, bool passed) {
    return std::count_if(outcomes.begin(), outcomes.end(),
                         [&](const auto& o) { return o.tier == tier && o.passed == passed; });
  };
  long f2p_total = 0;  // an entry with ids counts each id; ["*"] each test its run reported
  for (const auto* t : task.tier(suite::Tier::fail_to_pass)) f2p_total += t->ids.empty() ? 1 : static_cast<long>(t->ids.size());
  f2p_total = std::max<long>(f2p_total, count("fail_to_pass", true) + count("fail_to_pass", false));
  const auto f2p_pass = count("fail_to_pass", true);
  const auto setup_failed = count("setup", false) > 0;
  const auto strict_failed = count("strict", false);
  const auto p2p_failed = count("pass_to_pass", false);
  if (setup_failed) {
    g.grade = 0;
    g.detail = "setup (build) failed";
  } else if (f2p_pass == 0) {
    g.grade = 0;
    g.detail = fmt::format("fail_to_pass: 0 of {} pass", f2p_total);
  } else if (f2p_pass < f2p_total) {
    g.grade = 1;
    g.detail = fmt::format("fail_to_pass: {} of {} pass", f2p_pass, f2p_total);
  } else if (p2p_failed > 0) {
    g.grade = 1;
    g.detail = fmt::format("pass_to_pass: {} failing", p2p_failed);
  } else if (strict_failed > 0) {
    g.grade = 2;
    g.detail = fmt::format("strict: {} failing", strict_failed);
  } else {
    g.grade = 3;
    g.detail = "all tiers pass";
  }
  g.auto_grade = g.grade;
  g.outcomes = std::move(outcomes);
  return g;
}

namespace {

// Applies the diff; false when git refuses it.
bool try_apply(const fs::path& checkout, const fs::path& diff_file, std::string& error) {
  try {
    workspace::apply_patch(checkout, diff_file);
    return true;
  } catch (const core::InfraError& e) {
    error = e.what();
    return false;
  }
}

// Entries of one runner with the same command share one run.
bool one_run(const suite::TestCommand& a, const suite::TestCommand& b) {
  return a.runner == b.runner && a.cmd == b.cmd && a.report == b.report;
}

// The reward file a `reward` entry names, or the verifier's in [tests] logs
// (reward.json, else reward.txt); "" with why there is none.
std::string read_reward_file(const Bench& b, const suite::TestCommand& t, int index, std::string& why) {
  std::vector<std::pair<fs::path, std::string>> candidates;  // folder on the host, file in it
  const fs::path report(t.report);
  if (report.empty()) {
    for (const char* name : {"reward.json", "reward.txt"}) candidates.emplace_back(b.logs(index), name);
  } else if (report.is_absolute()) {
    candidates.emplace_back(b.logs(index), report.lexically_normal().lexically_relative(*b.task.logs).string());
  } else {
    candidates.emplace_back(b.checkout, t.report);
  }
  for (const auto& [dir, file] : candidates)
    if (auto text = core::read_untrusted(dir, file, kMaxReportBytes, why)) {
      why.clear();
      return *text;
    }
  why = report.empty() ? fmt::format("the verifier wrote neither {0}/reward.json nor {0}/reward.txt", b.task.logs->string())
                       : fmt::format("no reward file {}", t.report);
  return "";
}

// One run of a runner for every entry of the task that shares its command, then one
// outcome per listed id (grade/runner.hpp).
std::vector<store::TestOutcome> run_by_ids(const Bench& b, const suite::TestCommand& first, int index) {
  const auto same_run = [&](const suite::TestCommand& t) { return one_run(t, first); };
  std::vector<std::string> ids;
  for (const auto& t : b.task.tests)
    if (same_run(t)) ids.insert(ids.end(), t.ids.begin(), t.ids.end());
  const auto home = b.scratch / fmt::format("home-{}", index);
  const auto report = sandbox::home_path(sandbox::Spec{b.checkout, home, {}, {}, {}}, b.mode) / "agentrace-report";
  const auto plan = plan_run(first, ids, report.string());
  const auto run = run_test(b, suite::to_string(first.tier), first.name, plan.cmd, b.task.test_timeout_s, index);
  std::string why;
  std::vector<store::TestOutcome> out;
  if (first.runner == suite::Runner::reward) {
    const auto values = parse_reward(read_reward_file(b, first, index, why));
    if (why.empty() && values.empty()) why = "the reward file holds neither a number nor a JSON object of numbers";
    for (const auto& t : b.task.tests)
      if (same_run(t)) for (auto& o : reward_outcomes(suite::to_string(t.tier), t.ids, values, why, run)) out.push_back(std::move(o));
    return out;
  }
  const auto text = plan.report_is_output
                        ? core::read_tail(b.scratch / fmt::format("test-{}.log", index), kMaxReportBytes) +
                              core::read_tail(b.scratch / fmt::format("test-{}.err", index), kMaxReportBytes)
                        : core::read_untrusted(first.report.empty() ? home : b.checkout,
                                               first.report.empty() ? "agentrace-report" : first.report,
                                               kMaxReportBytes, why).value_or("");
  const auto cases = parse_report(first.runner, text);
  for (const auto& t : b.task.tests) {
    if (!same_run(t)) continue;
    auto some = outcomes_for_ids(t.runner, suite::to_string(t.tier), t.ids, cases, run);
    out.insert(out.end(), some.begin(), some.end());
  }
  return out;
}

std::vector<store::TestOutcome> run_tiers(const Bench& b) {
  const auto& task = b.task;
  std::vector<store::TestOutcome> outcomes;
  int index = 0;
  if (task.setup) outcomes.push_back(run_test(b, "setup", "setup", *task.setup, task.setup_timeout_s, index++));
  if (!outcomes.empty() && !outcomes.front().passed) return outcomes;
  std::vector<const suite::TestCommand*> runs;  // the first entry of each runner's run
  for (const auto& t : task.tests) {
    if (t.runner == suite::Runner::none) {
      outcomes.push_back(run_test(b, suite::to_string(t.tier), t.name, t.cmd, task.test_timeout_s, index++));
    } else if (std::none_of(runs.begin(), runs.end(), [&](const auto* r) { return one_run(*r, t); })) {
      runs.push_back(&t);
      auto some = run_by_ids(b, t, index++);
      outcomes.insert(outcomes.end(), some.begin(), some.end());
    }
  }
  return outcomes;
}

// Hygiene on the whole diff; a tampered attempt is a Miss whatever the tiers said.
void apply_flags(const suite::Task& task, const std::string& diff, const fs::path& scratch,
                 const std::vector<Touch>& tampered, GradeResult& g) {
  const std::string build_log = task.setup ? core::read_tail(scratch / "test-0.log", 1u << 20) +
                                                 core::read_tail(scratch / "test-0.err", 1u << 20)
                                           : std::string();
  auto flags = check_hygiene(diff, core::read_file(task.fix_patch), build_log);
  if (!tampered.empty()) {
    flags.push_back({"tampered", "the test harness was changed: " + touches_text(tampered)});
    g.detail = fmt::format("tampered: {}; on the task's own harness: {}", touches_text(tampered), g.detail);
  }
  g.grade = apply_hygiene(g.auto_grade, flags);
  std::string names;
  for (const auto& f : flags)
    if (f.check != "tampered") names += (names.empty() ? "" : ", ") + f.check;
  if (!names.empty())
    g.detail += fmt::format("; hygiene: {}{}", names, g.grade < g.auto_grade && tampered.empty() ? " (one grade down)" : "");
  g.hygiene = std::move(flags);
}

}  // namespace

GradeResult grade_diff(const suite::Task& task, const workspace::BaseRepo& base, const std::string& diff,
                       const fs::path& scratch, sandbox::Mode mode, const sandbox::Environment& environment) {
  const auto started = core::Clock::now();
  fs::remove_all(scratch);
  fs::create_directories(scratch);
  const auto checkout = scratch / "checkout";
  workspace::create_workspace(base, checkout);
  // The harness's files keep the base's content: the attempt's changes to them are left out.
  const auto screened = screen_diff(task, diff);
  const auto diff_file = scratch / "attempt.diff";
  core::write_file(diff_file, screened.kept);
  std::string error;
  GradeResult g;
  if (try_apply(checkout, diff_file, error)) {
    // Hidden tests shown at their own path (hidden_tests.at) are placed beside the checkout.
    const auto hidden = task.hidden_at ? scratch / "hidden" : checkout;
    fs::create_directories(hidden);
    place_hidden_tests(task, hidden);
    g = auto_grade(task, run_tiers(Bench{task, checkout, scratch, mode, environment}));
    if (const auto note = offline_note(g.outcomes); !note.empty()) g.detail += "; " + note;
  } else if (!screened.tampered.empty()) {
    g.detail = "the rest of the diff does not apply without its harness changes: no test ran";
  } else {
    throw core::InfraError(fmt::format("grading: the captured diff does not apply to the base: {}", error));
  }
  apply_flags(task, diff, scratch, screened.tampered, g);
  g.seconds = core::seconds_between(started, core::Clock::now());
  std::error_code ec;
  fs::remove_all(scratch, ec);
  return g;
}

}  // namespace agentrace::grade
