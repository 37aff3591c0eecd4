#include "agent/agent.hpp"

#include <algorithm>
#include <thread>

#include <fmt/format.h>

#include "core/clock.hpp"

namespace agentrace::agent {
namespace {

using std::chrono::milliseconds;

// Tool output may hold any bytes; invalid UTF-8 is replaced rather than thrown on.
std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

double ms_since(core::Clock::time_point t) { return core::seconds_between(t, core::Clock::now()) * 1000.0; }

class Loop {
 public:
  Loop(const Options& o, ModelClient& model, Tools& tools, std::ostream& events, std::ostream* transcript)
      : o_(o), model_(model), tools_(tools), events_(events), transcript_(transcript),
        system_(system_prompt(tools.workdir().string())) {}

  Summary run() {
    log(Json{{"type", "start"}, {"protocol", std::string(wire::protocol_name(o_.request.protocol))},
             {"model", o_.request.model}, {"system", system_}, {"tools", tool_names()}});
    add(Message{Message::Kind::user, o_.prompt, {}, {}});
    while (true) {
      if (out_of_time()) return finish(Stop::time_limit);
      const CallOutcome outcome = call_with_retries();
      if (!outcome.ok()) {
        s_.error = outcome.error;
        return finish(out_of_time() ? Stop::time_limit : Stop::error);
      }
      ++s_.turns;
      s_.input_tokens += outcome.turn.usage.input.value_or(0);
      s_.output_tokens += outcome.turn.usage.output.value_or(0);
      Message answer{Message::Kind::assistant, outcome.turn.text, with_ids(outcome.turn.tool_calls), {}};
      add(answer);
      if (answer.calls.empty()) return finish(Stop::done);
      if (!run_tools(answer.calls)) return finish(Stop::time_limit);
      if (s_.turns >= o_.limits.max_steps) return finish(Stop::max_steps);
      if (o_.limits.max_total_tokens && s_.input_tokens + s_.output_tokens >= *o_.limits.max_total_tokens)
        return finish(Stop::max_tokens);
    }
  }

 private:
  // Time left before the limit (nullopt: no limit).
  std::optional<milliseconds> remaining() const {
    if (!o_.limits.time_limit) return std::nullopt;
    const auto used = std::chrono::duration_cast<milliseconds>(core::Clock::now() - start_);
    return std::max(milliseconds(0), *o_.limits.time_limit - used);
  }
  bool out_of_time() const {
    const auto left = remaining();
    return left && left->count() == 0;
  }

  CallOutcome call_with_retries() {
    const std::string body = dump(request_body(o_.request, system_, history_));
    log_request();
    milliseconds backoff = o_.retry.backoff;
    for (int attempt = 0;; ++attempt) {
      CallOutcome outcome = call_once(body);
      if (outcome.ok() || !outcome.retryable || attempt >= o_.retry.retries || out_of_time()) return outcome;
      fmt::print(stderr, "agentrace agent: model call {} failed ({}); retrying in {} ms\n", calls_, outcome.error,
                 backoff.count());
      std::this_thread::sleep_for(std::min(backoff, remaining().value_or(backoff)));
      backoff *= 2;
    }
  }

  CallOutcome call_once(const std::string& body) {
    ++calls_;
    const auto t0 = core::Clock::now();
    CallOutcome outcome = model_.call(body, remaining().value_or(milliseconds(0)));
    const double ms = ms_since(t0);
    Json line{{"type", "call"}, {"n", calls_}, {"ms", ms},
              {"input_tokens", outcome.turn.usage.input.value_or(0)},
              {"output_tokens", outcome.turn.usage.output.value_or(0)},
              {"stop", std::string(wire::stop_reason_name(outcome.turn.stop))}};
    if (!outcome.ok()) line["error"] = outcome.error;
    emit(line);
    Json response{{"type", "response"}, {"n", calls_}, {"ms", ms}};
    if (outcome.ok()) response["turn"] = transcript_json(outcome.turn);
    if (!outcome.ok()) response["error"] = outcome.error;
    log(response);
    return outcome;
  }

  // Runs each call in order; false when the time limit came first.
  bool run_tools(const std::vector<wire::ToolCall>& calls) {
    Message results{Message::Kind::tool_results, {}, {}, {}};
    const auto default_timeout = tools_.limits().bash_timeout;
    for (const auto& call : calls) {
      if (out_of_time()) return false;
      tools_.limits().bash_timeout = std::min(default_timeout, remaining().value_or(default_timeout));
      const auto start_ns = core::mono_ns();
      const ToolOutput out = tools_.run(call.name, call.arguments);
      const auto end_ns = core::mono_ns();
      ++s_.tool_calls;
      emit(Json{{"type", "tool"}, {"name", call.name}, {"id", call.id}, {"start_ns", start_ns}, {"end_ns", end_ns},
                {"exit", out.exit}});
      results.results.push_back(ToolResult{call.id, call.name, out.text, out.error});
    }
    tools_.limits().bash_timeout = default_timeout;
    add(std::move(results));
    return true;
  }

  // Some servers leave ids out; both protocols need them to match results to calls.
  std::vector<wire::ToolCall> with_ids(std::vector<wire::ToolCall> calls) const {
    for (std::size_t i = 0; i < calls.size(); ++i) {
      if (calls[i].id.empty()) calls[i].id = fmt::format("call_{}_{}", s_.turns, i);
    }
    return calls;
  }

  void add(Message m) { history_.push_back(std::move(m)); }

  // The messages added since the previous request: the transcript grows linearly.
  void log_request() {
    Json added = Json::array();
    for (std::size_t i = logged_; i < history_.size(); ++i) added.push_back(transcript_json(history_[i]));
    logged_ = history_.size();
    log(Json{{"type", "request"}, {"n", calls_ + 1}, {"messages", history_.size()}, {"new", std::move(added)}});
  }

  Summary finish(Stop stop) {
    s_.stop = stop;
    s_.duration_ms = ms_since(start_);
    Json line{{"type", "result"}, {"turns", s_.turns}, {"tool_calls", s_.tool_calls},
              {"input_tokens", s_.input_tokens}, {"output_tokens", s_.output_tokens},
              {"duration_ms", s_.duration_ms}, {"stop", std::string(stop_name(stop))},
              {"error", s_.error.empty() ? Json(nullptr) : Json(s_.error)}};
    emit(line);
    log(line);
    return s_;
  }

  static Json tool_names() {
    Json names = Json::array();
    for (const auto& t : tool_specs()) names.push_back(t.name);
    return names;
  }

  void emit(const Json& line) { events_ << dump(line) << '\n' << std::flush; }
  void log(const Json& line) {
    if (transcript_ != nullptr) *transcript_ << dump(line) << '\n' << std::flush;
  }

  const Options& o_;
  ModelClient& model_;
  Tools& tools_;
  std::ostream& events_;
  std::ostream* transcript_;
  std::string system_;
  std::vector<Message> history_;
  std::size_t logged_ = 0;
  int calls_ = 0;
  Summary s_;
  core::Clock::time_point start_ = core::Clock::now();
};

}  // namespace

std::string_view stop_name(Stop stop) {
  switch (stop) {
    case Stop::done: return "done";
    case Stop::max_steps: return "max_steps";
    case Stop::max_tokens: return "max_tokens";
    case Stop::time_limit: return "time_limit";
    case Stop::error: return "error";
  }
  return "error";
}

Summary run_agent(const Options& options, ModelClient& model, Tools& tools, std::ostream& events,
                  std::ostream* transcript) {
  return Loop(options, model, tools, events, transcript).run();
}

}  // namespace agentrace::agent
