#include "sim/endpoint.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <mutex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "net/due-queue.hpp"
#include "net/server.hpp"
#include "sim/conversation.hpp"
#include "sim/frames.hpp"
#include "sim/responder.hpp"
#include "wire/codec.hpp"
#include "wire/request.hpp"

namespace agentrace::sim {

using Json = nlohmann::ordered_json;

struct Endpoint::State {
  EndpointOptions options;
  std::mutex replay_mutex;  // the replayer is shared by every loop
  std::optional<Replayer> replayer;
  std::int64_t created = 0;  // unix seconds at start: `created` in every body
  std::shared_ptr<Stats> stats = std::make_shared<Stats>();
  std::atomic<const net::Server*> server{nullptr};
  std::size_t loops = 1;
  FrameCache frames;  // each turn shape's chunks, encoded once
  std::vector<std::unique_ptr<net::DueQueue>> queues;  // one a loop: when each piece goes out
};

namespace {

using ExchangePtr = std::shared_ptr<net::Exchange>;

net::Headers simulated() {
  net::Headers h;
  h.add("x-agentrace-simulated", "1");
  return h;
}

void respond_json(net::Exchange& ex, int status, const Json& body) {
  net::respond(ex, status, body.dump(), "application/json", simulated());
}

void respond_error(net::Exchange& ex, int status, const std::string& type, const std::string& message) {
  respond_json(ex, status, Json{{"type", "error"}, {"error", Json{{"type", type}, {"message", message}}}});
}

constexpr std::size_t kNone = Pacer::kNone;

// A response whose head and body pieces go out at their offsets from the request's
// arrival (paced by a Pacer), each when its loop's DueQueue says; stops when the client
// goes away.
class TimedResponse : public net::Due, public std::enable_shared_from_this<TimedResponse> {
 public:
  struct Piece {
    std::int64_t at_ns;
    std::string bytes;
  };
  // first_content: the piece that paces the rest (kNone: none); stamp: it carries the send time.
  TimedResponse(std::shared_ptr<Stats> stats, net::DueQueue& queue, ExchangePtr ex, net::ResponseHead head,
                std::int64_t head_ns, std::vector<Piece> pieces, std::size_t first_content, bool stamp)
      : stats_(std::move(stats)), queue_(queue), ex_(std::move(ex)), head_(std::move(head)), head_ns_(head_ns),
        pieces_(std::move(pieces)),
        base_ns_(ex_->received_ns()),  // the schedule counts from the request, not from after planning it
        pacer_(first_content), stamp_(stamp) {
    stats_->started();
  }
  ~TimedResponse() override { stats_->ended(); }
  TimedResponse(const TimedResponse&) = delete;
  TimedResponse& operator=(const TimedResponse&) = delete;

  void fire() override { step(); }

 private:
  void step() {
    const std::int64_t now = net::now_ns() - base_ns_;
    if (ex_->client_gone()) return;
    if (!head_sent_) {
      if (head_ns_ > now) return wait(head_ns_);
      ex_->write_head(std::move(head_));
      stats_->sent(now - head_ns_);
      head_sent_ = true;
    }
    std::string due_now;  // every piece due now, in one write (one send, not one a piece)
    for (; next_ < pieces_.size(); ++next_) {
      const std::int64_t due = pacer_.due(next_, pieces_[next_].at_ns);
      if (due > now) break;
      stats_->sent(now - due);
      pacer_.sent(next_, pieces_[next_].at_ns, now);
      // The send and request receipt times, for a client measuring what it adds (an SSE
      // comment: readers skip it).
      if (stamp_ && next_ == pacer_.first_content()) {
        pieces_[next_].bytes.insert(0, fmt::format(": agentrace-sent-ns {} received-ns {}\n\n", net::now_ns(), base_ns_));
      }
      if (due_now.empty()) {
        due_now = std::move(pieces_[next_].bytes);
      } else {
        due_now += pieces_[next_].bytes;
      }
    }
    if (!due_now.empty()) ex_->write_body(std::move(due_now));
    if (next_ < pieces_.size()) return wait(pacer_.due(next_, pieces_[next_].at_ns));
    ex_->finish();
  }
  void wait(std::int64_t due) { queue_.at(base_ns_ + due, shared_from_this()); }

  std::shared_ptr<Stats> stats_;
  net::DueQueue& queue_;  // of the exchange's loop; it holds this response while it waits
  ExchangePtr ex_;
  net::ResponseHead head_;
  std::int64_t head_ns_;
  std::vector<Piece> pieces_;
  std::int64_t base_ns_;
  Pacer pacer_;
  bool stamp_;
  std::size_t next_ = 0;
  bool head_sent_ = false;
};

net::DueQueue& queue_of(const Endpoint::State& st, const net::EventLoop& loop) {
  for (const auto& q : st.queues) {
    if (&q->loop() == &loop) return *q;
  }
  return *st.queues.front();
}

void send_timed(const Endpoint::State& st, ExchangePtr ex, net::ResponseHead head, std::int64_t head_ns,
                std::vector<TimedResponse::Piece> pieces, std::size_t first_content = kNone, bool stamp = false) {
  auto& queue = queue_of(st, ex->loop());
  std::make_shared<TimedResponse>(st.stats, queue, std::move(ex), std::move(head), head_ns, std::move(pieces), first_content,
                                  stamp)
      ->fire();
}

struct Planned {
  std::vector<TimedResponse::Piece> pieces;
  std::int64_t head_ns = 0;
  double ttft_ms = 0;
  std::size_t first_content = kNone;  // the piece with the first content
};

Planned plan_stream_reply(Endpoint::State& st, const Conversation& c, wire::AssistantTurn& turn, std::uint64_t seed) {
  const Profile& profile = st.options.profile;
  const wire::EncodeOptions eo{profile.tokens_per_chunk, 4,
                               c.protocol != wire::Protocol::openai_chat || c.include_usage, st.created};
  const auto frames = st.frames.get(c.protocol, turn, eo);
  const auto& tokens = frames->tokens();
  const Schedule s = plan_stream(profile, c.prompt_tokens, tokens, seed);
  turn.timings = wire::ServerTimings{s.prompt_ms, s.predicted_ms};
  auto chunks = frames->frames(turn);
  Planned p{.head_ns = s.head_ns, .ttft_ms = static_cast<double>(s.head_ns) / 1e6 + s.prompt_ms};
  p.first_content = static_cast<std::size_t>(std::find_if(tokens.begin(), tokens.end(), [](auto t) { return t > 0; }) -
                                             tokens.begin());
  for (std::size_t i = 0; i < chunks.size() && i < s.offsets_ns.size(); ++i) {
    p.pieces.push_back({s.offsets_ns[i], std::move(chunks[i])});
  }
  return p;
}

Planned plan_whole_reply(const Endpoint::State& st, const Conversation& c, wire::AssistantTurn& turn,
                         std::uint64_t seed) {
  const Schedule s = plan_whole(st.options.profile, c.prompt_tokens, turn.usage.output.value_or(1), seed);
  turn.timings = wire::ServerTimings{s.prompt_ms, s.predicted_ms};
  const wire::EncodeOptions eo{st.options.profile.tokens_per_chunk, 4, true, st.created};
  Planned p{.head_ns = s.head_ns, .ttft_ms = static_cast<double>(s.head_ns) / 1e6};
  p.pieces.push_back({s.head_ns, wire::encode_response(c.protocol, turn, eo)});
  return p;
}

void log_line(const Endpoint::State& st, const std::string& line) {
  if (st.options.log) st.options.log(line);
}

void simulate(Endpoint::State& st, ExchangePtr ex, wire::Protocol protocol, const std::string& body) {
  const Conversation c = read_conversation(protocol, body);
  if (!c.valid) return respond_error(*ex, 400, "invalid_request_error", "the request body is not a JSON object");
  Reply reply = answer(c, st.options.scripts, st.options.profile.tokens_per_chunk);
  const std::uint64_t seed = request_seed(st.options.seed, body);
  Planned p = c.stream ? plan_stream_reply(st, c, reply.turn, seed) : plan_whole_reply(st, c, reply.turn, seed);
  log_line(st, fmt::format("{} {} model={} {} script={} turn={} -> {} tool call(s), {:.1f} ms to first content",
                           wire::protocol_name(protocol), ex->request().target, c.model, c.stream ? "stream" : "whole",
                           reply.script, reply.turn_index, reply.turn.tool_calls.size(), p.ttft_ms));
  net::ResponseHead head{200, "", simulated(), std::nullopt};
  head.headers.add("Content-Type", c.stream ? "text/event-stream" : "application/json");
  if (c.stream) {
    head.headers.add("Cache-Control", "no-cache");
  } else {
    head.content_length = p.pieces.front().bytes.size();
  }
  const bool stamp = c.stream && ex->request().headers.find("x-agentrace-stamp") != nullptr;
  send_timed(st, std::move(ex), std::move(head), p.head_ns, std::move(p.pieces), p.first_content, stamp);
}

void replay(Endpoint::State& st, ExchangePtr ex, wire::Protocol protocol, const std::string& body) {
  const Conversation c = read_conversation(protocol, body);
  const proxy::CassetteCall* call = nullptr;
  {
    std::lock_guard lock(st.replay_mutex);
    call = st.replayer->next(c.user_texts);
  }
  if (call == nullptr) {
    log_line(st, fmt::format("replay {}: the cassette has no call left for this conversation", ex->request().target));
    return respond_error(*ex, 400, "cassette_exhausted", "agentrace sim: the cassette has no call left for this conversation");
  }
  log_line(st, fmt::format("replay {} -> cassette line {} ({} {})", ex->request().target, call->line, call->status, call->path));
  net::ResponseHead head{call->status, "", {}, std::nullopt};
  bool has_length = false;
  for (const auto& [name, value] : call->headers) {
    if (net::iequals(name, "content-length")) has_length = true;
    if (net::is_hop_by_hop(name) || net::iequals(name, "content-length") || net::iequals(name, "date")) continue;
    head.headers.add(name, value);
  }
  head.headers.set("x-agentrace-simulated", "1");
  std::vector<TimedResponse::Piece> pieces;
  std::uint64_t total = 0;
  for (const auto& chunk : call->chunks) {
    pieces.push_back({st.options.replay_pace.apply(chunk.offset_ns), chunk.data});
    total += chunk.data.size();
  }
  if (has_length) head.content_length = total;
  send_timed(st, std::move(ex), std::move(head), st.options.replay_pace.apply(call->head_ns), std::move(pieces));
}

Json model_json(const std::string& id, std::int64_t created) {
  // Both the OpenAI and the Anthropic shape of a model entry.
  return Json{{"id", id}, {"object", "model"}, {"type", "model"}, {"display_name", id}, {"created", created},
              {"created_at", "1970-01-01T00:00:00Z"}, {"owned_by", "agentrace-sim"}};
}

void serve_models(const Endpoint::State& st, net::Exchange& ex, const std::string& path) {
  const auto& models = st.options.models;
  const auto slash = path.find("/models/");
  if (slash != std::string::npos) return respond_json(ex, 200, model_json(path.substr(slash + 8), st.created));
  Json data = Json::array();
  for (const auto& m : models) data.push_back(model_json(m, st.created));
  respond_json(ex, 200, Json{{"object", "list"}, {"data", data}, {"has_more", false},
                             {"first_id", models.empty() ? "" : models.front()}, {"last_id", models.empty() ? "" : models.back()}});
}

Json stats_json(const Endpoint::State& st) {
  Json j = st.stats->to_json();
  const net::Server* server = st.server;
  j["loops"] = st.loops;
  j["connections_accepted"] = server ? server->accepted_connections() : 0;
  j["connections_open"] = server ? server->open_connections() : 0;
  return j;
}

void serve_post(Endpoint::State& st, ExchangePtr ex, const std::string& path, const std::string& body) {
  if (path.ends_with("/count_tokens")) {
    return respond_json(*ex, 200, Json{{"input_tokens", std::max<std::size_t>(body.size() / 4, 1)}});
  }
  const auto protocol = wire::detect_protocol(path, body);
  if (!protocol) return respond_error(*ex, 404, "not_found_error", "agentrace sim: no model API at " + path);
  if (st.replayer) return replay(st, std::move(ex), *protocol, body);
  simulate(st, std::move(ex), *protocol, body);
}

void route(Endpoint::State& st, ExchangePtr ex, const std::string& body) {
  const auto& req = ex->request();
  const std::string path = req.target.substr(0, req.target.find('?'));
  if (req.method == "POST") return serve_post(st, std::move(ex), path, body);
  if (req.method != "GET" && req.method != "HEAD") {
    return respond_error(*ex, 405, "invalid_request_error", "agentrace sim: method " + req.method + " not allowed");
  }
  if (path == "/") return net::respond(*ex, 200, "agentrace sim: a simulated model endpoint\n", "text/plain; charset=utf-8", simulated());
  if (path == "/health") return respond_json(*ex, 200, Json{{"status", "ok"}});
  if (path == "/agentrace/stats") return respond_json(*ex, 200, stats_json(st));
  if (path.ends_with("/models") || path.find("/models/") != std::string::npos) return serve_models(st, *ex, path);
  respond_error(*ex, 404, "not_found_error", "agentrace sim: nothing at " + path);
}

}  // namespace

Endpoint::Endpoint(net::EventLoop& loop, EndpointOptions options)
    : Endpoint(std::vector<net::EventLoop*>{&loop}, std::move(options)) {}

Endpoint::Endpoint(std::vector<net::EventLoop*> loops, EndpointOptions options) : state_(std::make_shared<State>()) {
  state_->created = static_cast<std::int64_t>(std::time(nullptr));
  state_->loops = loops.size();
  for (auto* loop : loops) state_->queues.push_back(std::make_unique<net::DueQueue>(*loop));
  if (options.cassette) state_->replayer.emplace(std::move(*options.cassette));
  state_->options = std::move(options);
  const net::ListenSpec listen = state_->options.listen;
  server_ = std::make_unique<net::Server>(std::move(loops), listen, [st = state_](ExchangePtr ex) {
    ex->read_all([st, ex](std::string body, const net::Error& err) {
      if (!err) route(*st, ex, body);
    });
  });
  state_->server = server_.get();
}

const Stats& Endpoint::stats() const { return *state_->stats; }

Endpoint::~Endpoint() { close(); }

std::string Endpoint::url() const {
  const auto& listen = server_->listen();
  if (listen.unix_path.empty()) return server_->url();
  net::Url url;
  url.unix_path = listen.unix_path;
  return url.origin();
}

void Endpoint::close() {
  if (!server_) return;
  state_->server = nullptr;
  server_->close();
}

}  // namespace agentrace::sim
