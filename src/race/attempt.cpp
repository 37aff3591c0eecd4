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
#include "race/gateway.hpp"

#include <nlohmann/json.hpp>

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

// When the agent failed and its last model call failed on the endpoint's side, the
// attempt is the infrastructure's failure, not the model's (wrk's classes).
std::optional<store::FailureClass> endpoint_failure(const std::vector<proxy::CallRecord>& calls) {
  if (calls.empty()) return std::nullopt;
  using E = proxy::ErrorClass;
  switch (calls.back().error) {
    case E::connect:
    case E::tls: return store::FailureClass::connect;
    case E::status_429:
    case E::status_5xx: return store::FailureClass::status;
    case E::reset:
    case E::malformed:
    case E::timeout: return store::FailureClass::stream;
    default: return std::nullopt;
  }
}

// The agent left its last call (stopped at its limit) after the endpoint had sent no
// byte for `window`, before the first one or mid-stream. A model still streaming is not
// a stall, nor a call the agent dropped long before it was stopped.
bool left_waiting(const std::vector<proxy::CallRecord>& calls, std::chrono::milliseconds window) {
  if (calls.empty() || calls.back().error != proxy::ErrorClass::client_gone) return false;
  const auto& c = calls.back();
  return c.end_ms - std::max(0.0, c.last_byte_ms) >= static_cast<double>(window.count());
}

// The endpoint refused the key: 401/403 to a model call for the contender's own model
// (an agent asking for another model or path cannot void its attempt this way).
bool key_refused(const proxy::CallRecord& c, const std::string& model) {
  return (c.status == 401 || c.status == 403) && !c.protocol.empty() && (model.empty() || c.model == model);
}

// Endpoint faults that void the attempt whatever the agent did next: a key the endpoint
// refused, a call the proxy cut after its stall timeout, or the agent stopped while
// waiting on a silent endpoint for the stall timeout or half its limit, whichever is
// shorter (a limit under the stall timeout ends the attempt before the proxy can see it).
std::optional<std::pair<store::FailureClass, std::string>> endpoint_fault(
    const std::vector<proxy::CallRecord>& calls, const std::string& model, bool timed_out,
    std::chrono::seconds limit, std::chrono::seconds stall) {
  using F = store::FailureClass;
  for (const auto& c : calls) {
    if (key_refused(c, model))
      return std::pair{F::auth,
                       fmt::format("the endpoint refused the key: HTTP {} on call {}", c.status, c.sequence + 1)};
  }
  for (const auto& c : calls) {
    if (c.error == proxy::ErrorClass::stalled)
      return std::pair{F::stream, fmt::format("the endpoint's stream stalled: no byte for {} s on call {}",
                                              stall.count(), c.sequence + 1)};
  }
  const auto window = std::min<std::chrono::milliseconds>(stall, std::chrono::milliseconds(limit) / 2);
  if (timed_out && left_waiting(calls, window))
    return std::pair{F::stream, fmt::format("the endpoint's stream stalled; the agent hit its {} s limit waiting",
                                            limit.count())};
  return std::nullopt;
}

std::string split_json(const proxy::TimeSplit& t, double setup_s, const std::string& rusage_note) {
  const auto s = [](std::int64_t ns) { return static_cast<double>(ns) / 1e9; };
  nlohmann::json j = {{"wall_s", s(t.wall_ns)},       {"model_s", s(t.model_ns)}, {"tool_s", s(t.tool_ns)},
                      {"scaffold_s", s(t.scaffold_ns)}, {"network_s", s(t.network_ns)}, {"setup_s", setup_s},
                      {"calls", t.calls},             {"server_timed_calls", t.server_timed_calls},
                      {"tools_from_agent", t.tools_from_agent}};
  if (!rusage_note.empty()) j["rusage_note"] = rusage_note;
  if (t.calls > 0) {
    j["before_first_call_s"] = s(t.before_first_call_ns);
    j["after_last_call_s"] = s(t.after_last_call_ns);
  }
  return j.dump();
}

// Under bwrap the process we wait for is bwrap itself; the relay inside reports the
// agent's own CPU time and peak memory (docs/metrics.md). The file lies in the agent's
// HOME: read without following links, capped, and ignored with a note when it is bad.
std::string use_agent_rusage(const fs::path& home, const Lease& lease, proc::ProcResult& pr) {
  if (lease.rusage_in_home.empty()) return {};
  std::string why;
  const auto text = core::read_untrusted(home, lease.rusage_in_home, 64 * 1024, why);
  if (!text) return why.empty() ? "" : "rusage file refused: " + why;  // absent: killed before it wrote
  const auto ignored = proc::apply_relay_rusage(*text, pr);
  return ignored.empty() ? "" : "rusage file ignored: " + ignored;
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
  in.tampered = grade::tampered_detail(r.hygiene_json);
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
  r.judge_json = v.to_json();
  r.judge_grade = v.grade;
  if (v.grade) {
    r.grade = grade::judged_grade(r.grade.value_or(0), v);
    r.grade_source = "judge";
    r.grade_detail += fmt::format("; judge: {}", *v.grade);
  }
}

}  // namespace

AttemptOutcome run_attempt(const AttemptEnv& env, const suite::Task& task,
                           const scaffold::ContenderConfig& contender, store::AttemptRecord record) {
  AttemptOutcome out;
  auto& r = record;
  const auto dir = env.work_dir / "attempts" / r.id;
  const auto ws = dir / "workspace";
  const auto home = dir / "home";
  const auto limit = std::chrono::seconds(
      contender.agent_seconds.value_or(env.race_agent_seconds.value_or(task.agent_seconds)));
  r.started_at = core::wall_now_rfc3339();

  // 1. Workspace and HOME.
  const auto t0 = core::Clock::now();
  workspace::BaseRepo base;
  try {
    fs::remove_all(dir);
    fs::create_directories(home);
    base = env.repos.base(task);
    workspace::create_workspace(base, ws);
  } catch (const std::exception& e) {
    fail(r, store::FailureClass::workspace, e.what());
    r.ended_at = core::wall_now_rfc3339();
    out.record = std::move(record);
    return out;
  }
  r.setup_s = core::seconds_between(t0, core::Clock::now());

  // 2. The agent, in its sandbox.
  auto scaffold = scaffold::make(contender.scaffold);
  scaffold::AttemptContext ctx{task, contender, ws, home, dir, env.mode, limit};
  std::vector<proxy::CallRecord> calls;
  try {
    const auto agent_start = core::Clock::now();
    const auto agent_start_ns = core::mono_ns();
    Lease lease;
    if (env.gateway != nullptr && contender.endpoint) {
      lease = env.gateway->open(r.id, contender);
      ctx.base_url = lease.base_url;
      ctx.api_key = kDummyKey;
    }
    auto launch = scaffold->prepare(ctx);
    proc::ProcResult pr;
    // The agent's end, taken before waiting on its route's last call records.
    auto agent_end = core::Clock::now();
    std::int64_t agent_end_ns = core::mono_ns();
    if (!launch.argv.empty()) {
      auto mounts = launch.mounts;
      mounts.insert(mounts.end(), lease.mounts.begin(), lease.mounts.end());
      auto argv = lease.argv_prefix;
      argv.insert(argv.end(), launch.argv.begin(), launch.argv.end());
      sandbox::Spec sb{ws, home, mounts, lease.socket_dir, launch.env};
      auto spec = sandbox::wrap(sb, env.mode, argv);
      spec.stdin_data = lease.stdin_data;
      spec.stdout_path = dir / "agent.stdout";
      spec.stdout_times_path = dir / "agent.stdout.times";
      spec.stderr_path = dir / "agent.stderr";
      spec.timeout = limit;
      spec.output_cap = kOutputCap;
      pr = proc::run(spec);
      agent_end = core::Clock::now();
      agent_end_ns = core::mono_ns();
      if (env.gateway != nullptr && contender.endpoint) calls = env.gateway->close(r.id);
      if (pr.cancelled) {
        out.cancelled = true;
        out.record = std::move(record);
        return out;
      }
    } else {
      pr.exit_code = 0;
    }
    r.wall_s = core::seconds_between(agent_start, agent_end);
    r.calls = static_cast<int>(calls.size());
    r.exit_code = pr.exit_code;
    r.term_signal = pr.term_signal;
    r.timed_out = pr.timed_out;
    const auto rusage_note = use_agent_rusage(home, lease, pr);
    r.user_s = pr.user_s;
    r.sys_s = pr.sys_s;
    r.max_rss_kb = pr.max_rss_kb;
    r.stdout_bytes = static_cast<std::int64_t>(pr.stdout_bytes);
    r.stderr_bytes = static_cast<std::int64_t>(pr.stderr_bytes);
    r.output_truncated = pr.stdout_truncated || pr.stderr_truncated;
    const auto report = scaffold->parse_output(ctx, pr);
    r.agent_json = report.to_json();
    std::vector<proxy::ToolSpan> spans;
    for (const auto& t : report.tools) {
      if (t.timed()) spans.push_back({t.span->start_ns, t.span->end_ns});
    }
    r.time_split_json = split_json(proxy::split_time(agent_start_ns, agent_end_ns, calls, spans), r.setup_s, rusage_note);
    const auto stall = env.gateway != nullptr ? env.gateway->stall_timeout() : limit;
    if (const auto fault = endpoint_fault(calls, contender.model, pr.timed_out, limit, stall)) {
      fail(r, fault->first, fault->second);
    } else if (pr.timed_out) {
      r.state = store::AttemptState::timed_out;
      r.failure = store::FailureClass::timeout;
      r.failure_detail = fmt::format("agent stopped at its {} s limit", limit.count());
    } else {
      r.state = store::AttemptState::done;
      const auto infra = endpoint_failure(calls);
      if ((!pr.ok() || report.reported_error) && infra) {
        fail(r, *infra, fmt::format("the endpoint failed ({}): {}",
                                    proxy::error_class_name(calls.back().error), calls.back().error_detail));
      } else if (!pr.ok() || report.reported_error) {
        r.failure = store::FailureClass::agent_error;
        r.failure_detail = report.reported_error ? report.error_message
                                                 : fmt::format("agent {}: {}", pr.describe(),
                                                               core::read_tail(dir / "agent.stderr", 300));
      }
    }
  } catch (const core::InfraError& e) {
    fail(r, store::FailureClass::spawn, e.what());
  } catch (const std::exception& e) {
    fail(r, store::FailureClass::sandbox, e.what());
  }

  // 3. Diff and grade (a timed-out attempt is graded on what it left).
  if (r.state != store::AttemptState::infra_error) {
    try {
      r.diff = workspace::capture_diff(base, ws, env.mode);
      r.changed_files = workspace::diff_paths(r.diff);
    } catch (const std::exception& e) {
      fail(r, store::FailureClass::workspace, fmt::format("diff capture: {}", e.what()));
    }
  }
  if (r.state != store::AttemptState::infra_error) {
    try {
      auto g = grade::grade_diff(task, base, r.diff, dir / "grading", env.mode);
      r.grade = g.grade;
      r.auto_grade = g.auto_grade;
      r.hygiene_json = g.hygiene_json;
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
  r.ended_at = core::wall_now_rfc3339();
  if (!env.keep_workspaces) {
    std::error_code ec;
    fs::remove_all(ws, ec);
    fs::remove_all(home, ec);
  }
  out.record = std::move(record);
  return out;
}

}  // namespace agentrace::race
