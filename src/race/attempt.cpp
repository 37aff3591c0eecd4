#include "race/attempt.hpp"

#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "grade/grade.hpp"
#include "grade/hygiene.hpp"
#include "grade/judge.hpp"
#include "proc/rusage.hpp"
#include "proc/spawn.hpp"
#include "proxy/time-split.hpp"
#include "race/classify.hpp"
#include "race/gateway.hpp"


#include <utility>

namespace agentrace::race {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kOutputCap = 16u << 20;

void fail(store::AttemptRecord& r, store::FailureClass f, const std::string& detail) {
  r.state = store::AttemptState::infra_error;
  r.failure = f;
  r.failure_detail = detail;
  r.grade.reset();
}

// A failure of one step of the attempt, already given its class.
struct StepFailure : std::runtime_error {
  StepFailure(store::FailureClass f, const std::string& what) : std::runtime_error(what), failure(f) {}
  store::FailureClass failure;
};

// Runs one step; its exceptions become that step's failure class.
template <class Fn>
auto step(store::FailureClass f, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const std::exception& e) {
    throw StepFailure(f, e.what());
  }
}

// The attempt's model route, closed on every way out (a throwing prepare() included).
class RouteLease {
 public:
  RouteLease(ModelGateway* gateway, const std::string& attempt_id, const scaffold::ContenderConfig& contender) {
    if (gateway == nullptr || !contender.endpoint) return;
    lease_ = gateway->open(attempt_id, contender);
    gateway_ = gateway;
    id_ = attempt_id;
  }
  RouteLease(const RouteLease&) = delete;
  RouteLease& operator=(const RouteLease&) = delete;
  ~RouteLease() {
    try {
      close();
    } catch (...) {  // a destructor cannot report; the route dies with the proxy anyway
    }
  }
  bool opened() const { return !id_.empty(); }
  const Lease& lease() const { return lease_; }
  // Closes the route once its calls are over; returns its call records.
  std::vector<proxy::CallRecord> close() {
    if (gateway_ == nullptr) return {};
    return std::exchange(gateway_, nullptr)->close(id_);
  }

 private:
  ModelGateway* gateway_ = nullptr;
  std::string id_;
  Lease lease_;
};

// The attempt's folders; its workspace and HOME go on every way out unless the race keeps them.
struct AttemptDirs {
  AttemptDirs(fs::path d, bool keep_them)
      : dir(std::move(d)), ws(dir / "workspace"), home(dir / "home"), keep(keep_them) {}
  AttemptDirs(const AttemptDirs&) = delete;
  AttemptDirs& operator=(const AttemptDirs&) = delete;
  ~AttemptDirs() {
    if (keep) return;
    std::error_code ec;
    fs::remove_all(ws, ec);
    fs::remove_all(home, ec);
  }
  fs::path dir, ws, home;
  bool keep;
};

record::TimeSplit split_record(const proxy::TimeSplit& t, double setup_s, const std::string& rusage_note) {
  const auto s = [](std::int64_t ns) { return static_cast<double>(ns) / 1e9; };
  record::TimeSplit r{s(t.wall_ns), s(t.model_ns), s(t.tool_ns), s(t.scaffold_ns), s(t.network_ns), setup_s,
                      static_cast<int>(t.calls), static_cast<int>(t.server_timed_calls), t.tools_from_agent,
                      rusage_note, std::nullopt, std::nullopt};
  if (t.calls > 0) {
    r.before_first_call_s = s(t.before_first_call_ns);
    r.after_last_call_s = s(t.after_last_call_ns);
  }
  return r;
}

// Under bwrap the process we wait for is bwrap itself; the relay inside reports the
// agent's own CPU time and peak memory (docs/metrics.md) on its fd 3, a file of the
// attempt's folder the agent cannot reach. Nothing there: the relay ended before the agent.
std::string use_agent_rusage(const fs::path& file, const Lease& lease, proc::ProcResult& pr) {
  if (!lease.relay_rusage) return {};
  const auto text = core::read_tail(file, 64 * 1024);
  if (text.empty()) return "the relay reported no rusage (it ended before the agent): bwrap's own figures";
  const auto ignored = proc::apply_relay_rusage(text, pr);
  return ignored.empty() ? "" : "rusage ignored: " + ignored;
}

// Asks the race's judge; the judge can only lower the grade (docs/grading.md).
void judge_attempt(const AttemptEnv& env, const suite::Task& task, const std::vector<store::TestOutcome>& tests,
                   store::AttemptRecord& r) {
  grade::JudgeInput in;
  in.task_id = task.id;
  in.title = task.title;
  in.statement = task.statement;
  const std::string* meanings[] = {&task.grades.miss, &task.grades.basic, &task.grades.solid, &task.grades.complete};
  for (int i = 0; i < 4; ++i) in.grade_meanings[i] = *meanings[i];
  in.fix_diff = core::read_file(task.fix_patch);
  in.attempt_diff = r.diff;
  in.tests = tests;
  in.tampered = grade::tampered_detail(r.hygiene);
  in.auto_grade = r.grade.value_or(0);
  const auto label = "judge:" + r.id;
  grade::JudgeVerdict v;
  try {
    const auto url = env.gateway->open_host(label, env.judge->endpoint);
    v = grade::run_judge(url, env.judge->endpoint.protocol, env.judge->model, in);
  } catch (const std::exception& e) {
    v.error = e.what();
  }
  env.gateway->close_host(label);
  r.judge = v;
  r.judge_grade = v.grade;
  if (v.grade) {
    r.grade = grade::judged_grade(r.grade.value_or(0), v);
    r.grade_source = "judge";
    r.grade_detail += fmt::format("; judge: {}", *v.grade);
  }
}

// 1. A fresh workspace from the task's base and an empty HOME; nullopt once failed.
std::optional<workspace::BaseRepo> prepare_workspace(const AttemptEnv& env, const suite::Task& task,
                                                     const AttemptDirs& d, store::AttemptRecord& r) {
  const auto t0 = core::Clock::now();
  try {
    fs::remove_all(d.dir);
    fs::create_directories(d.home);
    auto base = env.repos.base(task);
    workspace::create_workspace(base, d.ws);
    r.setup_s = core::seconds_between(t0, core::Clock::now());
    return base;
  } catch (const std::exception& e) {
    fail(r, store::FailureClass::workspace, e.what());
    return std::nullopt;
  }
}

// What the agent's run left: its process, its route's call records, its start and end.
struct AgentRun {
  proc::ProcResult pr;
  std::vector<proxy::CallRecord> calls;
  core::Clock::time_point start = core::Clock::now(), end = start;
  std::int64_t start_ns = core::mono_ns(), end_ns = start_ns;
};

const sandbox::Environment& environment_of(const AttemptEnv& env, const std::string& task_id) {
  static const sandbox::Environment none;
  return env.environments != nullptr ? env.environments->of(task_id) : none;
}

// The scaffold's command in the attempt's sandbox, behind the route's relay.
proc::SpawnSpec sandboxed(const AttemptEnv& env, const AttemptDirs& d, const scaffold::Launch& launch,
                          const Lease& lease, const scaffold::AttemptContext& ctx) {
  auto mounts = launch.mounts;
  mounts.insert(mounts.end(), lease.mounts.begin(), lease.mounts.end());
  auto argv = lease.argv_prefix;
  argv.insert(argv.end(), launch.argv.begin(), launch.argv.end());
  sandbox::Spec sb{d.ws, d.home, mounts, lease.socket_dir, launch.env};
  sb.environment = environment_of(env, ctx.task.id);
  auto spec = step(store::FailureClass::sandbox, [&] { return sandbox::wrap(sb, env.mode, argv); });
  spec.stdin_data = lease.stdin_data;
  if (lease.relay_rusage) spec.fd3_path = d.dir / "agent.rusage.json";
  spec.stdout_path = d.dir / "agent.stdout";
  spec.stdout_times_path = d.dir / "agent.stdout.times";
  spec.stderr_path = d.dir / "agent.stderr";
  spec.timeout = ctx.limit;
  spec.output_cap = kOutputCap;
  return spec;
}

// Prepares and runs the agent; its end is taken before waiting on the route's last records.
void run_agent(const AttemptEnv& env, const AttemptDirs& d, scaffold::Scaffold& scaffold,
               const scaffold::AttemptContext& ctx, RouteLease& route, AgentRun& run) {
  const auto launch = step(store::FailureClass::spawn, [&] { return scaffold.prepare(ctx); });
  run.end = core::Clock::now();
  run.end_ns = core::mono_ns();
  if (launch.argv.empty()) {
    run.pr.exit_code = 0;
    return;
  }
  const auto spec = sandboxed(env, d, launch, route.lease(), ctx);
  run.pr = step(store::FailureClass::spawn, [&] { return proc::run(spec); });
  run.end = core::Clock::now();
  run.end_ns = core::mono_ns();
  run.calls = route.close();
}

// What the agent's process did, into the record; returns a note on its rusage file.
std::string record_process(store::AttemptRecord& r, AgentRun& run, const fs::path& dir, const Lease& lease) {
  r.wall_s = core::seconds_between(run.start, run.end);
  r.calls = static_cast<int>(run.calls.size());
  r.exit_code = run.pr.exit_code;
  r.term_signal = run.pr.term_signal;
  r.timed_out = run.pr.timed_out;
  auto note = use_agent_rusage(dir / "agent.rusage.json", lease, run.pr);
  r.user_s = run.pr.user_s;
  r.sys_s = run.pr.sys_s;
  r.max_rss_kb = run.pr.max_rss_kb;
  r.stdout_bytes = static_cast<std::int64_t>(run.pr.stdout_bytes);
  r.stderr_bytes = static_cast<std::int64_t>(run.pr.stderr_bytes);
  r.output_truncated = run.pr.stdout_truncated || run.pr.stderr_truncated;
  return note;
}

std::vector<proxy::ToolSpan> tool_spans(const scaffold::AgentReport& report) {
  std::vector<proxy::ToolSpan> spans;
  for (const auto& t : report.tools) {
    if (t.timed()) spans.push_back({t.span->start_ns, t.span->end_ns});
  }
  return spans;
}

// How the run ended (race/classify.hpp), into the record.
void classify(const AttemptEnv& env, const scaffold::AttemptContext& ctx, const AgentRun& run,
              const scaffold::AgentReport& report, store::AttemptRecord& r) {
  AgentFacts facts{run.pr.ok(), run.pr.timed_out, run.pr.describe(), {}, report.reported_error, report.error_message};
  if (!facts.ok) facts.stderr_tail = core::read_tail(ctx.logs / "agent.stderr", 300);
  const auto stall = env.gateway != nullptr ? env.gateway->stall_timeout() : ctx.limit;
  const auto c = classify_attempt(facts, run.calls, ctx.contender.model, ctx.limit, stall);
  if (c.state == store::AttemptState::infra_error) return fail(r, c.failure, c.detail);
  r.state = c.state;
  if (c.failure == store::FailureClass::none) return;
  r.failure = c.failure;
  r.failure_detail = c.detail;
}

// 2. The agent in its sandbox, its route open only while it runs; false when cancelled.
bool agent_phase(const AttemptEnv& env, const scaffold::AttemptContext& base_ctx, const AttemptDirs& d,
                 store::AttemptRecord& r) {
  auto scaffold = scaffold::make(base_ctx.contender.scaffold);
  auto ctx = base_ctx;
  try {
    AgentRun run;
    auto route = step(store::FailureClass::spawn, [&] { return RouteLease(env.gateway, r.id, ctx.contender); });
    if (route.opened()) {
      ctx.base_url = route.lease().base_url;
      ctx.api_key = kDummyKey;
    }
    run_agent(env, d, *scaffold, ctx, route, run);
    if (run.pr.cancelled) return false;
    const auto rusage_note = record_process(r, run, d.dir, route.lease());
    const auto report = scaffold->parse_output(ctx, run.pr);
    r.agent = report;
    r.time_split =
        split_record(proxy::split_time(run.start_ns, run.end_ns, run.calls, tool_spans(report)), r.setup_s, rusage_note);
    classify(env, ctx, run, report, r);
  } catch (const StepFailure& e) {
    fail(r, e.failure, e.what());
  } catch (const core::InfraError& e) {
    fail(r, store::FailureClass::spawn, e.what());
  } catch (const std::exception& e) {
    fail(r, store::FailureClass::sandbox, e.what());
  }
  return true;
}

// 3. The diff the agent left (a timed-out attempt is graded on what it left).
void capture_diff(const AttemptEnv& env, const workspace::BaseRepo& base, const AttemptDirs& d,
                  store::AttemptRecord& r) {
  try {
    r.diff = workspace::capture_diff(base, d.ws, env.mode);
    r.changed_files = workspace::diff_paths(r.diff);
  } catch (const std::exception& e) {
    fail(r, store::FailureClass::workspace, fmt::format("diff capture: {}", e.what()));
  }
}

// 4. The hidden tests in their own sandbox, then the judge, who can only lower the grade.
void grade_attempt(const AttemptEnv& env, const suite::Task& task, const workspace::BaseRepo& base,
                   const AttemptDirs& d, AttemptOutcome& out) {
  auto& r = out.record;
  try {
    auto g = grade::grade_diff(task, base, r.diff, d.dir / "grading", env.mode, environment_of(env, task.id));
    r.grade = g.grade;
    r.auto_grade = g.auto_grade;
    r.hygiene = g.hygiene;
    r.grade_source = "auto";
    r.grade_detail = g.detail;
    r.grade_s = g.seconds;
    for (auto& o : g.outcomes) o.attempt_id = r.id;
    out.tests = std::move(g.outcomes);
    if (env.judge != nullptr && env.gateway != nullptr) judge_attempt(env, task, out.tests, r);
    if (proc::cancel_requested()) out.cancelled = true;
  } catch (const std::exception& e) {
    fail(r, store::FailureClass::grading, e.what());
  }
}

}  // namespace

AttemptOutcome run_attempt(const AttemptEnv& env, const suite::Task& task,
                           const scaffold::ContenderConfig& contender, store::AttemptRecord record) {
  AttemptOutcome out;
  out.record = std::move(record);
  auto& r = out.record;
  const AttemptDirs dirs(env.work_dir / "attempts" / r.id, env.keep_workspaces);
  const auto limit = std::chrono::seconds(
      contender.agent_seconds.value_or(env.race_agent_seconds.value_or(task.agent_seconds)));
  r.started_at = core::wall_now_rfc3339();
  const auto base = prepare_workspace(env, task, dirs, r);
  if (!base) {
    r.ended_at = core::wall_now_rfc3339();
    return out;
  }
  const scaffold::AttemptContext ctx{task, contender, dirs.ws, dirs.home, dirs.dir, env.mode, limit};
  if (!agent_phase(env, ctx, dirs, r)) {
    out.cancelled = true;
    return out;
  }
  if (r.state != store::AttemptState::infra_error) capture_diff(env, *base, dirs, r);
  if (r.state != store::AttemptState::infra_error) grade_attempt(env, task, *base, dirs, out);
  r.ended_at = core::wall_now_rfc3339();
  return out;
}

}  // namespace agentrace::race
