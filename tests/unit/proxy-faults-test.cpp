// The recording proxy against a scripted upstream that misbehaves: relays bytes
// unchanged, injects the real key, records each call with its class, and leaks nothing.
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "net/client.hpp"
#include "proxy/call-record.hpp"
#include "proxy/proxy.hpp"

namespace agentrace::test {

inline int open_fds() {
  int n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (readdir(d)) ++n;
    closedir(d);
  }
  return n;
}

inline bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const auto n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Closes with a TCP RST instead of a FIN.
inline void reset_close(int fd) {
  linger l{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::close(fd);
}

inline std::string chunk(std::string_view data) {
  char size[16];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + std::string(data) + "\r\n";
}

inline int connect_tcp(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Reads one HTTP request (head + Content-Length body); empty on EOF.
inline std::string read_request(int fd) {
  std::string in;
  char buf[65536];
  std::size_t want = std::string::npos;
  while (true) {
    const auto head_end = in.find("\r\n\r\n");
    if (head_end != std::string::npos && want == std::string::npos) {
      want = head_end + 4;
      const auto cl = in.find("Content-Length: ");
      if (cl != std::string::npos && cl < head_end) want += std::stoul(in.substr(cl + 16));
    }
    if (want != std::string::npos && in.size() >= want) return in;
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return {};
    in.append(buf, static_cast<std::size_t>(n));
  }
}

// Each connection gets one request read, then `script(fd, request)`; the helper closes
// the fd afterwards unless the script returned true (it closed it itself).
class RawUpstream {
 public:
  using Script = std::function<bool(int fd, const std::string& request)>;
  explicit RawUpstream(Script script) : script_(std::move(script)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 128);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { accept_loop(); });
  }
  ~RawUpstream() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    for (auto& t : workers_) t.join();
    ::close(fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<std::string> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  int active() const { return active_; }

 private:
  void accept_loop() {
    while (!stop_) {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      ++active_;
      workers_.emplace_back([this, c] {
        const auto req = read_request(c);
        {
          std::lock_guard lock(mutex_);
          requests_.push_back(req);
        }
        const bool closed = req.empty() ? false : script_(c, req);
        if (!closed) ::close(c);
        --active_;
      });
    }
  }
  Script script_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> active_{0};
  std::thread thread_;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::vector<std::string> requests_;
};

class Records {
 public:
  void add(proxy::CallRecord r) {
    std::lock_guard lock(mutex_);
    records_.push_back(std::move(r));
    cv_.notify_all();
  }
  std::function<void(proxy::CallRecord)> sink() {
    return [this](proxy::CallRecord r) { add(std::move(r)); };
  }
  // Waits for at least n records; returns them (fewer on timeout).
  std::vector<proxy::CallRecord> wait(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, timeout, [&] { return records_.size() >= n; });
    return records_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<proxy::CallRecord> records_;
};

}  // namespace agentrace::test

namespace {

using namespace std::chrono_literals;
using agentrace::test::chunk;
using agentrace::test::RawUpstream;
using agentrace::test::Records;
using agentrace::test::send_all;
namespace net = agentrace::net;
namespace proxy = agentrace::proxy;

const std::string sse_head =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n"
    "Connection: close\r\n\r\n";

const std::vector<std::string> chat_events = {
    "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"m1\",\"choices\":[{\"index\":0,"
    "\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n",
    "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"m1\",\"choices\":[{\"index\":0,"
    "\"delta\":{\"content\":\"Hello\"}}]}\n\n",
    "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"m1\",\"choices\":[{\"index\":0,"
    "\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_9\",\"type\":\"function\",\"function\":{\"name\":"
    "\"bash\",\"arguments\":\"{\\\"cmd\\\":\\\"ls\\\"}\"}}]},\"finish_reason\":null}]}\n\n",
    "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"m1\",\"choices\":[{\"index\":0,"
    "\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n",
    "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"m1\",\"choices\":[],\"usage\":"
    "{\"prompt_tokens\":120,\"completion_tokens\":7,\"total_tokens\":127,\"prompt_tokens_details\":"
    "{\"cached_tokens\":100}}}\n\n",
    "data: [DONE]\n\n",
};

std::string joined(const std::vector<std::string>& parts) {
  std::string s;
  for (const auto& p : parts) s += p;
  return s;
}

// Streams the chat events one chunk each, `gap` apart.
RawUpstream::Script stream_events(std::vector<std::string> events, std::chrono::milliseconds gap) {
  return [events = std::move(events), gap](int fd, const std::string&) {
    send_all(fd, sse_head);
    for (const auto& e : events) {
      std::this_thread::sleep_for(gap);
      if (!send_all(fd, chunk(e))) return false;
    }
    send_all(fd, "0\r\n\r\n");
    return false;
  };
}

const std::string chat_request =
    R"({"model":"m1","stream":true,"messages":[{"role":"user","content":"hi"},)"
    R"({"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",)"
    R"("function":{"name":"bash","arguments":"{}"}}]},{"role":"tool","tool_call_id":"call_1","content":"ok"}]})";

net::ClientRequest post(std::string target, std::string body, std::string auth = "Bearer dummy-key") {
  net::ClientRequest r;
  r.method = "POST";
  r.target = std::move(target);
  r.body = std::move(body);
  r.headers.add("Content-Type", "application/json");
  if (!auth.empty()) r.headers.add("Authorization", std::move(auth));
  return r;
}

struct ProxyFixture : ::testing::Test {
  void SetUp() override {
    fds_before = agentrace::test::open_fds();
    ::setenv("AGENTRACE_TEST_KEY", "sk-real-secret-123", 1);
  }
  void TearDown() override {
    proxy.reset();
    upstream.reset();
    EXPECT_EQ(agentrace::test::open_fds(), fds_before) << "a socket leaked";
  }
  void start(RawUpstream::Script script, proxy::ProxyOptions options = {}) {
    upstream = std::make_unique<RawUpstream>(std::move(script));
    proxy = std::make_unique<proxy::Proxy>(std::move(options), records.sink());
    proxy->add_route({"a1", "attempt-1", upstream->url(), "AGENTRACE_TEST_KEY"});
  }
  net::SimpleResponse call(const std::string& path, const std::string& body, std::string auth = "Bearer dummy-key") {
    return net::fetch_sync(net::parse_url(proxy->url()), post("/r/a1" + path, body, std::move(auth)));
  }
  proxy::CallRecord one_record() {
    auto rs = records.wait(1);
    EXPECT_EQ(rs.size(), 1u);
    return rs.empty() ? proxy::CallRecord{} : rs.front();
  }

  int fds_before = 0;
  Records records;
  std::unique_ptr<RawUpstream> upstream;
  std::unique_ptr<proxy::Proxy> proxy;
};

TEST_F(ProxyFixture, RelaysAStreamByteForByteAndRecordsIt) {
  start(stream_events(chat_events, 10ms));
  const auto r = call("/v1/chat/completions", chat_request);
  ASSERT_FALSE(r.error) << r.error.message;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, joined(chat_events));
  EXPECT_GE(r.pieces, chat_events.size());  // every upstream read went out on its own
  const auto rec = one_record();
  EXPECT_EQ(rec.attempt_id, "attempt-1");
  EXPECT_EQ(rec.protocol, "openai-chat");
  EXPECT_EQ(rec.model, "m1");
  EXPECT_TRUE(rec.stream);
  EXPECT_EQ(rec.path, "/v1/chat/completions");
  EXPECT_EQ(rec.request_bytes, chat_request.size());
  EXPECT_EQ(rec.response_bytes, joined(chat_events).size());
  EXPECT_EQ(rec.chunks.size(), chat_events.size());
  EXPECT_EQ(rec.status, 200);
  EXPECT_EQ(rec.error, proxy::ErrorClass::none) << rec.error_detail;
  EXPECT_EQ(rec.input_tokens, 120);
  EXPECT_EQ(rec.output_tokens, 7);
  EXPECT_EQ(rec.cached_tokens, 100);
  EXPECT_EQ(rec.tool_call_ids, std::vector<std::string>{"call_9"});
  EXPECT_EQ(rec.tool_result_ids, std::vector<std::string>{"call_1"});
  // The role-only first chunk is not content: TTFT is the second chunk's time.
  EXPECT_GT(rec.first_content_ms, rec.first_chunk_ms);
  EXPECT_NEAR(rec.first_content_ms, static_cast<double>(rec.chunks[1].offset_ns) / 1e6, 0.01);
  EXPECT_GE(rec.first_chunk_ms, rec.response_headers_ms);
  EXPECT_GE(rec.last_byte_ms, static_cast<double>(rec.chunks.back().offset_ns) / 1e6);
  EXPECT_GE(rec.end_ms, rec.last_byte_ms);
  EXPECT_GT(rec.chunks[5].offset_ns - rec.chunks[0].offset_ns, 40'000'000);  // nothing held back
  EXPECT_GE(rec.connect_ms, 0);
  EXPECT_EQ(rec.tls_ms, -1);
  EXPECT_GT(rec.start_wall_ms, 1'600'000'000'000);
}

TEST_F(ProxyFixture, InjectsTheRealKeyAndNeverRecordsIt) {
  start(stream_events({"data: [DONE]\n\n"}, 0ms));
  ASSERT_FALSE(call("/v1/chat/completions", chat_request).error);
  ASSERT_FALSE(call("/v1/messages?beta=true", R"({"model":"claude","stream":true,"messages":[]})", "").error);
  const auto reqs = upstream->requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_NE(reqs[0].find("Authorization: Bearer sk-real-secret-123\r\n"), std::string::npos) << reqs[0];
  EXPECT_EQ(reqs[0].find("dummy-key"), std::string::npos);
  EXPECT_NE(reqs[1].find("x-api-key: sk-real-secret-123\r\n"), std::string::npos) << reqs[1];
  EXPECT_EQ(reqs[1].find("Authorization"), std::string::npos);
  EXPECT_NE(reqs[1].find("POST /v1/messages?beta=true HTTP/1.1"), std::string::npos);
  EXPECT_NE(reqs[1].find("Host: 127.0.0.1:"), std::string::npos);
  for (const auto& rec : records.wait(2)) {
    const auto line = proxy::to_json_line(rec);
    EXPECT_EQ(line.find("sk-real-secret"), std::string::npos) << line;
    EXPECT_EQ(line.find("dummy-key"), std::string::npos) << line;
  }
}

TEST_F(ProxyFixture, AnUnsetKeyVariableIsAUsageError) {
  start(stream_events({}, 0ms));
  ::unsetenv("AGENTRACE_TEST_NO_SUCH_KEY");
  EXPECT_THROW(proxy->add_route({"a2", "x", upstream->url(), "AGENTRACE_TEST_NO_SUCH_KEY"}), std::exception);
}

TEST_F(ProxyFixture, UnknownRoutesAre404) {
  start(stream_events({}, 0ms));
  const auto r = net::fetch_sync(net::parse_url(proxy->url()), post("/r/nope/v1/chat/completions", "{}"));
  EXPECT_EQ(r.status, 404);
  EXPECT_TRUE(upstream->requests().empty());
}

// One request on a fresh Unix connection that opens with `opening`; the raw answer.
std::string over_unix(const std::string& socket, const std::string& opening, const std::string& request) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket.c_str(), sizeof addr.sun_path - 1);
  std::string got;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 && agentrace::test::send_all(fd, opening + request)) {
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) got.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return got;
}

TEST_F(ProxyFixture, ATokenLineConnectionGoesToTheRouteItNamesAndNowhereElse) {
  const auto socket = "/tmp/agentrace-proxy-token-" + std::to_string(getpid()) + ".sock";
  proxy::ProxyOptions options;
  options.listen = {net::ListenSpec{}, net::ListenSpec{"", 0, socket, true}};
  start(stream_events({"data: [DONE]\n\n"}, 0ms), std::move(options));
  const auto request = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       "Content-Length: " + std::to_string(chat_request.size()) + "\r\nConnection: close\r\n\r\n" +
                       chat_request;
  EXPECT_TRUE(over_unix(socket, "a1\n", request).starts_with("HTTP/1.1 200")) << "the route's own connection";
  EXPECT_EQ(one_record().attempt_id, "attempt-1");
  // A wrong or missing opening line, or a closed route, opens nothing.
  EXPECT_TRUE(over_unix(socket, "attempt-1\n", request).starts_with("HTTP/1.1 404")) << "an unknown token";
  EXPECT_EQ(over_unix(socket, "", request).find("HTTP/1.1 200"), std::string::npos) << "no opening line";
  proxy->remove_route("a1");
  EXPECT_TRUE(over_unix(socket, "a1\n", request).starts_with("HTTP/1.1 404")) << "a closed route";
  EXPECT_EQ(upstream->requests().size(), 1u);
  EXPECT_EQ(records.wait(2, 200ms).size(), 1u);
}

TEST_F(ProxyFixture, RefusedUpstreamBecomes502AndConnect) {
  upstream = std::make_unique<RawUpstream>([](int, const std::string&) { return false; });
  const auto dead = "http://127.0.0.1:1";  // nothing listens on port 1
  proxy = std::make_unique<proxy::Proxy>(proxy::ProxyOptions{}, records.sink());
  proxy->add_route({"a1", "attempt-1", dead, ""});
  const auto r = call("/v1/chat/completions", chat_request);
  EXPECT_EQ(r.status, 502);
  EXPECT_NE(r.body.find("agentrace_upstream_connect"), std::string::npos) << r.body;
  const auto rec = one_record();
  EXPECT_EQ(rec.error, proxy::ErrorClass::connect);
  EXPECT_EQ(rec.status, 0);
}

TEST_F(ProxyFixture, ResetMidStreamCutsTheClientConnection) {
  start([](int fd, const std::string&) {
    send_all(fd, sse_head + chunk(chat_events[0]) + chunk(chat_events[1]));
    std::this_thread::sleep_for(50ms);
    agentrace::test::reset_close(fd);
    return true;
  });
  const auto r = call("/v1/chat/completions", chat_request);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.error.kind, net::ErrorKind::reset) << r.error.message;
  EXPECT_EQ(r.body, chat_events[0] + chat_events[1]);  // what arrived before the reset
  const auto rec = one_record();
  EXPECT_EQ(rec.error, proxy::ErrorClass::reset) << rec.error_detail;
  EXPECT_EQ(rec.chunks.size(), 2u);  // one piece per HTTP chunk, even from a single read
}

TEST_F(ProxyFixture, StalledUpstreamIsCutAfterTheStallTimeout) {
  proxy::ProxyOptions options;
  options.stall_timeout = 200ms;
  start(
      [](int fd, const std::string&) {
        send_all(fd, sse_head + chunk(chat_events[0]));
        std::this_thread::sleep_for(1500ms);
        return false;
      },
      options);
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = call("/v1/chat/completions", chat_request);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  EXPECT_EQ(r.error.kind, net::ErrorKind::reset);
  EXPECT_EQ(r.body, chat_events[0]);
  const auto rec = one_record();
  EXPECT_EQ(rec.error, proxy::ErrorClass::stalled);
}

TEST_F(ProxyFixture, StallBeforeTheHeadIs504) {
  proxy::ProxyOptions options;
  options.stall_timeout = 200ms;
  start(
      [](int, const std::string&) {
        std::this_thread::sleep_for(800ms);
        return false;
      },
      options);
  const auto r = call("/v1/chat/completions", chat_request);
  EXPECT_EQ(r.status, 504);
  EXPECT_EQ(one_record().error, proxy::ErrorClass::stalled);
}

RawUpstream::Script answer(int status, std::string body) {
  return [status, body](int fd, const std::string&) {
    send_all(fd, "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\n"
                 "Retry-After: 7\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
    return false;
  };
}

TEST_F(ProxyFixture, RelaysA500) {
  const std::string body = R"({"error":{"type":"server_error","message":"boom"}})";
  start(answer(500, body));
  const auto r = call("/v1/chat/completions", chat_request);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, body);
  const auto rec = one_record();
  EXPECT_EQ(rec.error, proxy::ErrorClass::status_5xx);
  EXPECT_EQ(rec.stream_error, "server_error");
}

TEST_F(ProxyFixture, RelaysA429WithItsHeaders) {
  const std::string body = R"({"type":"error","error":{"type":"rate_limit_error","message":"slow down"}})";
  start(answer(429, body));
  const auto r = call("/v1/messages", R"({"model":"claude","messages":[]})", "");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.body, body);
  ASSERT_NE(r.headers.find("retry-after"), nullptr);
  EXPECT_EQ(*r.headers.find("retry-after"), "7");
  EXPECT_EQ(one_record().error, proxy::ErrorClass::status_429);
}

TEST_F(ProxyFixture, MalformedStreamsAreRelayedAndClassed) {
  const std::vector<std::string> events = {chat_events[0], "data: {this is not json\n\n", "data: [DONE]\n\n"};
  start(stream_events(events, 0ms));
  const auto r = call("/v1/chat/completions", chat_request);
  ASSERT_FALSE(r.error);
  EXPECT_EQ(r.body, joined(events));
  EXPECT_EQ(one_record().error, proxy::ErrorClass::malformed);
}

TEST_F(ProxyFixture, NonStreamingResponsesAreDecodedWhole) {
  const std::string body =
      R"({"id":"msg_1","type":"message","role":"assistant","model":"claude","content":[)"
      R"({"type":"text","text":"hi"},{"type":"tool_use","id":"toolu_1","name":"Bash","input":{}}],)"
      R"("stop_reason":"tool_use","usage":{"input_tokens":10,"output_tokens":3}})";
  start(answer(200, body));
  const auto r = call("/v1/messages", R"({"model":"claude","messages":[]})", "");
  EXPECT_EQ(r.body, body);
  const auto rec = one_record();
  EXPECT_EQ(rec.protocol, "anthropic-messages");
  EXPECT_FALSE(rec.stream);
  EXPECT_EQ(rec.output_tokens, 3);
  EXPECT_EQ(rec.tool_call_ids, std::vector<std::string>{"toolu_1"});
  EXPECT_EQ(rec.first_content_ms, rec.first_chunk_ms);
  EXPECT_EQ(rec.error, proxy::ErrorClass::none);
}

TEST_F(ProxyFixture, AClientThatLeavesCancelsTheUpstreamCall) {
  std::atomic<bool> upstream_saw_close{false};
  start([&](int fd, const std::string&) {
    send_all(fd, sse_head);
    for (int i = 0; i < 100; ++i) {
      if (!send_all(fd, chunk(chat_events[1]))) break;
      pollfd p{fd, POLLRDHUP, 0};
      if (::poll(&p, 1, 20) > 0) break;  // the proxy closed its side
    }
    upstream_saw_close = true;
    return false;
  });
  const int fd = agentrace::test::connect_tcp(proxy->port());
  ASSERT_GE(fd, 0);
  const std::string req = "POST /r/a1/v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                          std::to_string(chat_request.size()) + "\r\n\r\n" + chat_request;
  send_all(fd, req);
  char buf[4096];
  ASSERT_GT(::recv(fd, buf, sizeof buf, 0), 0);
  ::close(fd);
  const auto rec = one_record();
  EXPECT_EQ(rec.error, proxy::ErrorClass::client_gone) << rec.error_detail;
  for (int i = 0; i < 100 && !upstream_saw_close; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(upstream_saw_close);
  for (int i = 0; i < 100 && proxy->calls_in_flight() > 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(proxy->calls_in_flight(), 0u);
}

TEST_F(ProxyFixture, ManyFaultyCallsLeakNothing) {
  std::atomic<int> n{0};
  proxy::ProxyOptions options;
  options.stall_timeout = 100ms;
  start(
      [&](int fd, const std::string&) {
        switch (n++ % 4) {
          case 0: send_all(fd, sse_head + chunk(chat_events[0])); agentrace::test::reset_close(fd); return true;
          case 1: send_all(fd, sse_head); std::this_thread::sleep_for(300ms); return false;
          case 2: answer(500, "{}")(fd, ""); return false;
          default: return stream_events(chat_events, 0ms)(fd, "");
        }
      },
      options);
  const int fds_running = agentrace::test::open_fds();
  for (int i = 0; i < 12; ++i) call("/v1/chat/completions", chat_request);
  const auto recs = records.wait(12);
  EXPECT_EQ(recs.size(), 12u);
  for (int i = 0; i < 100 && (upstream->active() > 0 || proxy->open_connections() > 0); ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(proxy->calls_in_flight(), 0u);
  EXPECT_EQ(proxy->open_connections(), 0u);
  EXPECT_LE(agentrace::test::open_fds(), fds_running + 1);  // at most one pooled upstream connection
}

TEST_F(ProxyFixture, AnswersTheHostRootItselfAndRecordsNothing) {
  start(stream_events({}, 0ms));
  const auto url = net::parse_url(proxy->url());
  for (const std::string method : {"HEAD", "GET"}) {
    net::ClientRequest req;
    req.method = method;
    req.target = "/";
    EXPECT_EQ(net::fetch_sync(url, req).status, 200) << method;
  }
  net::ClientRequest health;
  health.target = "/health";
  EXPECT_EQ(net::fetch_sync(url, health).body, R"({"status":"ok"})");
  net::ClientRequest other;
  other.target = "/v1/models";
  EXPECT_EQ(net::fetch_sync(url, other).status, 404);
  EXPECT_TRUE(records.wait(1, 200ms).empty());
  EXPECT_TRUE(upstream->requests().empty());
}

// Upstream that echoes keys back: in a header and (the agent's) in the body.
RawUpstream::Script echoing_stream(std::vector<std::string> events) {
  return [events = std::move(events)](int fd, const std::string& request) {
    const auto bearer = request.find("Authorization: Bearer ");
    const auto key = request.substr(bearer + 22, request.find("\r\n", bearer) - bearer - 22);
    send_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n"
                 "X-Request-Id: req-7\r\nX-Echo: saw " + key + "\r\nSet-Cookie: s=1\r\nConnection: close\r\n\r\n");
    for (const auto& e : events) {
      std::this_thread::sleep_for(5ms);
      send_all(fd, chunk(e));
    }
    send_all(fd, "0\r\n\r\n");
    return false;
  };
}

TEST_F(ProxyFixture, CassetteKeepsEveryByteAndTimeButNoKey) {
  std::vector<std::string> events = chat_events;
  events.insert(events.begin() + 1, "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"sk-agent-own-987654 \u00e9\"}}]}\n\n");
  upstream = std::make_unique<RawUpstream>(echoing_stream(events));
  std::mutex mutex;
  std::vector<agentrace::proxy::CassetteCall> tapes;
  proxy = std::make_unique<proxy::Proxy>(proxy::ProxyOptions{}, records.sink());
  const auto keep = [&](agentrace::proxy::CassetteCall c) {
    std::lock_guard lock(mutex);
    tapes.push_back(std::move(c));
  };
  proxy->add_route({"a1", "attempt-1", upstream->url(), "AGENTRACE_TEST_KEY", keep});  // the real key
  proxy->add_route({"a2", "attempt-2", upstream->url(), "", keep});                    // the agent's own
  const auto via_real = call("/v1/chat/completions", chat_request);
  const auto via_own = net::fetch_sync(net::parse_url(proxy->url()),
                                       post("/r/a2/v1/chat/completions", chat_request, "Bearer sk-agent-own-987654"));
  ASSERT_EQ(via_real.body, joined(events));
  ASSERT_EQ(via_own.body, joined(events));
  const auto recs = records.wait(2);
  ASSERT_EQ(recs.size(), 2u);
  std::lock_guard lock(mutex);
  ASSERT_EQ(tapes.size(), 2u);
  for (std::size_t i = 0; i < tapes.size(); ++i) {
    const auto& tape = tapes[i];
    EXPECT_EQ(tape.status, 200);
    EXPECT_EQ(tape.protocol, "openai-chat");
    EXPECT_EQ(tape.path, "/v1/chat/completions");
    EXPECT_EQ(tape.model, "m1");
    EXPECT_EQ(tape.match, "hi");
    EXPECT_TRUE(tape.conversation.starts_with("u-")) << tape.conversation;
    using Header = std::pair<std::string, std::string>;
    EXPECT_EQ(tape.headers, (std::vector<Header>{{"Content-Type", "text/event-stream"}, {"X-Request-Id", "req-7"}}));
    std::string body;
    std::int64_t last = 0;
    for (const auto& c : tape.chunks) {
      body += c.data;
      EXPECT_GE(c.offset_ns, std::max(last, tape.head_ns));
      last = c.offset_ns;
    }
    EXPECT_GT(tape.chunks.back().offset_ns - tape.chunks.front().offset_ns, 25'000'000);  // 6 gaps of 5 ms
    const auto line = agentrace::proxy::to_json_line(tape);
    EXPECT_EQ(line.find("sk-real-secret"), std::string::npos) << line;
    EXPECT_EQ(line.find("Set-Cookie"), std::string::npos) << line;
    std::string expected = joined(events);
    if (i == 1) {  // the agent's own key, sent by the agent through a2, is a key too
      EXPECT_EQ(line.find("sk-agent-own"), std::string::npos) << line;
      expected.replace(expected.find("sk-agent-own-987654"), 19, "[redacted]");
    }
    EXPECT_EQ(body, expected);
  }
  EXPECT_EQ(recs[0].output_tokens, 7);  // usage still read behind the skipped content deltas
  EXPECT_EQ(recs[0].tool_call_ids, std::vector<std::string>{"call_9"});
}

TEST(ProxyKeys, InjectKeyPicksTheProtocolsHeader) {
  net::Headers h;
  h.add("x-api-key", "dummy");
  proxy::inject_key(h, "/v1/messages", "k");
  EXPECT_EQ(*h.find("x-api-key"), "k");
  net::Headers o;
  o.add("Authorization", "Bearer dummy");
  proxy::inject_key(o, "/v1/responses", "k");
  EXPECT_EQ(*o.find("authorization"), "Bearer k");
  net::Headers other;
  other.add("x-api-key", "dummy");
  proxy::inject_key(other, "/v1/models", "k");
  EXPECT_EQ(*other.find("x-api-key"), "k");
  EXPECT_EQ(other.find("authorization"), nullptr);
}

TEST(ProxyRecord, JsonRoundTrips) {
  proxy::CallRecord r;
  r.attempt_id = "a";
  r.model = "m";
  r.chunks = {{10, 3}, {20, 4}};
  r.input_tokens = 5;
  r.error = proxy::ErrorClass::status_429;
  r.server_prompt_ms = 1.5;
  const auto j = nlohmann::json::parse(proxy::to_json_line(r));
  EXPECT_EQ(j.get<proxy::CallRecord>(), r);
  EXPECT_EQ(j["error"], "status_429");
  EXPECT_TRUE(j["output_tokens"].is_null());
}

}  // namespace
