// src/net: server and client over loopback TCP and a Unix socket, chunked and
// Content-Length bodies, streaming piece by piece, keep-alive reuse, timeouts, TLS.
#include <sys/socket.h>
#include <sys/un.h>
#include <dirent.h>
#include <netinet/in.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "net/client.hpp"
#include "net/server.hpp"

namespace net = agentrace::net;
using namespace std::chrono_literals;

namespace {

int open_fds() {
  int n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (readdir(d)) ++n;
    closedir(d);
  }
  return n;
}

net::Url url_of(const net::Server& server) { return net::parse_url(server.url()); }

net::ClientRequest get(std::string target) {
  net::ClientRequest r;
  r.target = std::move(target);
  return r;
}

// `n` GETs of `target` one after another on `client` (so it may reuse its connection),
// run on its loop `cloop`: each body with its timings.
struct Fetched {
  std::string body;
  net::FetchTimings timings;
};
std::vector<Fetched> fetch_in_turn(net::EventLoop& cloop, net::Client& client, const net::Url& url,
                                   const std::string& target, int n) {
  std::vector<Fetched> out;
  std::function<void(int)> go = [&](int left) {
    auto body = std::make_shared<std::string>();
    client.fetch(url, get(target),
                 {nullptr,
                  [body](std::string_view p, std::int64_t, std::function<void()> more) {
                    body->append(p);
                    more();
                  },
                  [&, body, left](const net::Error& e, const net::FetchTimings& t) {
                    EXPECT_FALSE(e) << e.message;
                    out.push_back({*body, t});
                    if (left > 1) return go(left - 1);
                    cloop.stop();
                  }});
  };
  cloop.post([&] { go(n); });
  cloop.run();
  return out;
}

// Streams `pieces` with `gap` between them, chunked or with Content-Length.
void stream_pieces(std::shared_ptr<net::Exchange> ex, std::vector<std::string> pieces,
                   std::chrono::milliseconds gap, bool with_length) {
  net::ResponseHead head;
  head.headers.add("Content-Type", "text/event-stream");
  if (with_length) {
    std::size_t total = 0;
    for (const auto& p : pieces) total += p.size();
    head.content_length = total;
  }
  ex->write_head(std::move(head));
  auto state = std::make_shared<std::pair<std::vector<std::string>, std::size_t>>(std::move(pieces), 0);
  auto step = std::make_shared<std::function<void()>>();
  *step = [ex, state, gap, step] {
    if (state->second == state->first.size()) {
      ex->finish();
      *step = nullptr;  // break the cycle
      return;
    }
    ex->write_body(state->first[state->second++]);
    ex->loop().after(gap, *step);
  };
  ex->loop().after(gap, *step);
}

struct ServerFixture : ::testing::Test {
  void start(net::Handler handler, net::ListenSpec listen = {}) {
    server = std::make_unique<net::Server>(loop, std::move(listen), std::move(handler));
    loop.start();
  }
  void TearDown() override {
    if (server) server->close();
    loop.stop();
    server.reset();
  }
  net::EventLoop loop;
  std::unique_ptr<net::Server> server;
};

TEST_F(ServerFixture, EchoesOverLoopbackOnAPickedPort) {
  start([](std::shared_ptr<net::Exchange> ex) {
    ex->read_all([ex](std::string body, const net::Error& err) {
      ASSERT_FALSE(err) << err.message;
      net::respond(*ex, 201, ex->request().method + " " + ex->request().target + " " + body);
    });
  });
  ASSERT_NE(server->port(), 0);
  auto req = get("/echo?x=1");
  req.method = "POST";
  req.body = "hello";
  const auto r = net::fetch_sync(url_of(*server), req);
  ASSERT_FALSE(r.error) << r.error.message;
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, "POST /echo?x=1 hello");
  EXPECT_GT(r.timings.connected_ns, 0);
  EXPECT_GE(r.timings.request_sent_ns, r.timings.connected_ns);
  EXPECT_GE(r.timings.first_byte_ns, r.timings.request_sent_ns);
  EXPECT_GE(r.timings.headers_ns, r.timings.first_byte_ns);
  EXPECT_EQ(r.timings.tls_done_ns, 0);
}

TEST_F(ServerFixture, StreamsChunkedPiecesAsTheyAreWritten) {
  start([](std::shared_ptr<net::Exchange> ex) { stream_pieces(ex, {"data: a\n\n", "data: b\n\n", "data: c\n\n"}, 30ms, false); });
  net::EventLoop cloop;
  net::Client client(cloop);
  std::vector<std::int64_t> times;
  std::string body;
  net::Error error;
  std::optional<std::uint64_t> length{1};
  client.fetch(url_of(*server), get("/"),
               {[&](const net::ResponseHead& h, const net::FetchTimings&) { length = h.content_length; },
                [&](std::string_view piece, std::int64_t at, std::function<void()> more) {
                  body.append(piece);
                  times.push_back(at);
                  more();
                },
                [&](const net::Error& e, const net::FetchTimings&) {
                  error = e;
                  cloop.stop();
                }});
  cloop.run();
  ASSERT_FALSE(error) << error.message;
  EXPECT_FALSE(length.has_value());  // chunked
  EXPECT_EQ(body, "data: a\n\ndata: b\n\ndata: c\n\n");
  ASSERT_EQ(times.size(), 3u);  // one read per written piece: nothing held back
  EXPECT_GT(times[1] - times[0], 20'000'000);
  EXPECT_GT(times[2] - times[1], 20'000'000);
}

TEST_F(ServerFixture, StreamsContentLengthBodies) {
  start([](std::shared_ptr<net::Exchange> ex) { stream_pieces(ex, {"abc", "defg"}, 20ms, true); });
  const auto r = net::fetch_sync(url_of(*server), get("/"));
  ASSERT_FALSE(r.error) << r.error.message;
  EXPECT_EQ(r.body, "abcdefg");
  EXPECT_EQ(r.pieces, 2u);
}

// More than the socket takes at once: the pieces written straight away stop part-way
// through one, and the rest goes on in order, with every piece's callback run once.
TEST_F(ServerFixture, PiecesBeyondAFullSocketArriveWholeAndInOrder) {
  std::string expected;
  for (int i = 0; i < 200; ++i) expected += std::string(65521, static_cast<char>('a' + i % 26)) + std::to_string(i);
  auto written = std::make_shared<std::atomic<int>>(0);
  start([&expected, written](std::shared_ptr<net::Exchange> ex) {
    ex->write_head({});
    for (std::size_t at = 0; at < expected.size(); at += 65523) {
      ex->write_body(expected.substr(at, 65523), [written](const net::Error& e) {
        if (!e) ++*written;
      });
    }
    ex->finish();
  });
  const auto r = net::fetch_sync(url_of(*server), get("/"));
  ASSERT_FALSE(r.error) << r.error.message;
  EXPECT_TRUE(r.body == expected) << r.body.size() << " bytes of " << expected.size();
  EXPECT_EQ(written->load(), static_cast<int>((expected.size() + 65522) / 65523));
}

TEST_F(ServerFixture, ReusesKeepAliveConnections) {
  std::atomic<int> requests{0};
  start([&](std::shared_ptr<net::Exchange> ex) {
    ++requests;
    net::respond(*ex, 200, "n" + std::to_string(requests.load()));
  });
  net::EventLoop cloop;
  net::Client client(cloop);
  const auto fetched = fetch_in_turn(cloop, client, url_of(*server), "/", 3);
  std::vector<net::FetchTimings> timings;
  std::vector<std::string> bodies;
  for (const auto& f : fetched) {
    timings.push_back(f.timings);
    bodies.push_back(f.body);
  }
  ASSERT_EQ(timings.size(), 3u);
  EXPECT_FALSE(timings[0].reused);
  EXPECT_TRUE(timings[1].reused);
  EXPECT_TRUE(timings[2].reused);
  EXPECT_EQ(timings[2].connected_ns, 0);
  EXPECT_EQ(bodies[2], "n3");
  EXPECT_EQ(server->open_connections(), 1u);
}

TEST_F(ServerFixture, HeadRequestsGetNoBody) {
  start([](std::shared_ptr<net::Exchange> ex) { net::respond(*ex, 200, "0123456789"); });
  auto req = get("/");
  req.method = "HEAD";
  const auto r = net::fetch_sync(url_of(*server), req);
  ASSERT_FALSE(r.error) << r.error.message;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "");
}

// A raw HTTP exchange over a Unix socket (Connection: close, read to EOF).
std::string unix_request(const std::string& path, const std::string& request) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "connect failed";
  }
  (void)!::write(fd, request.data(), request.size());
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

TEST_F(ServerFixture, ListensOnAUnixSocket) {
  const auto path = std::filesystem::temp_directory_path() / ("agentrace-net-" + std::to_string(::getpid()) + ".sock");
  net::ListenSpec spec;
  spec.unix_path = path.string();
  start([](std::shared_ptr<net::Exchange> ex) { net::respond(*ex, 200, "over unix"); }, spec);
  const auto out = unix_request(path, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(out.starts_with("HTTP/1.1 200 OK\r\n")) << out;
  EXPECT_TRUE(out.ends_with("\r\n\r\nover unix")) << out;
  EXPECT_NE(out.find("Connection: close"), std::string::npos);
  server->close();
  EXPECT_FALSE(std::filesystem::exists(path));
}

// The client reaches a server on a Unix socket through an http+unix:// URL, and keeps the
// connection for the next request as it does over TCP.
TEST_F(ServerFixture, ClientFetchesOverAUnixSocket) {
  const auto path = std::filesystem::temp_directory_path() / ("agentrace-net-c" + std::to_string(::getpid()) + ".sock");
  net::ListenSpec spec;
  spec.unix_path = path.string();
  start([](std::shared_ptr<net::Exchange> ex) { net::respond(*ex, 200, "hello " + ex->request().target); }, spec);
  net::Url url;
  url.unix_path = path.string();
  const auto parsed = net::parse_url(url.origin() + "/v1");
  EXPECT_EQ(parsed.unix_path, path.string());
  std::vector<std::string> bodies;
  std::vector<bool> reused;
  net::EventLoop cloop;
  net::Client client(cloop);
  for (const auto& f : fetch_in_turn(cloop, client, parsed, parsed.base_path + "/models", 2)) {
    bodies.push_back(f.body);
    reused.push_back(f.timings.reused);
  }
  EXPECT_EQ(bodies, (std::vector<std::string>{"hello /v1/models", "hello /v1/models"}));
  EXPECT_EQ(reused, (std::vector<bool>{false, true}));
}

TEST_F(ServerFixture, ReportsAClientThatLeaves) {
  std::promise<void> gone;
  start([&](std::shared_ptr<net::Exchange> ex) {
    net::ResponseHead head;
    ex->write_head(head);
    ex->write_body("first");
    ex->on_client_gone([ex, &gone] {
      ex->abort();
      gone.set_value();
    });
  });
  const auto path = server->port();
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(path);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const std::string req = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  (void)!::write(fd, req.data(), req.size());
  char buf[256];
  ASSERT_GT(::read(fd, buf, sizeof buf), 0);
  ::close(fd);
  EXPECT_EQ(gone.get_future().wait_for(2s), std::future_status::ready);
}

TEST_F(ServerFixture, StalledResponsesTimeOut) {
  start([](std::shared_ptr<net::Exchange> ex) {
    ex->write_head(net::ResponseHead{});
    ex->write_body("data: x\n\n");
    ex->loop().after(5s, [ex] { ex->finish(); });
  });
  auto req = get("/");
  req.idle_timeout = 150ms;
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = net::fetch_sync(url_of(*server), req);
  EXPECT_EQ(r.error.kind, net::ErrorKind::stalled) << r.error.message;
  EXPECT_EQ(r.body, "data: x\n\n");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
}

TEST(NetClient, RefusedConnectionsAreConnectErrors) {
  net::EventLoop loop;
  std::uint16_t port = 0;
  {
    net::Server s(loop, {}, [](std::shared_ptr<net::Exchange>) {});
    port = s.port();
  }
  const auto r = net::fetch_sync(net::parse_url("http://127.0.0.1:" + std::to_string(port)), get("/"));
  EXPECT_EQ(r.error.kind, net::ErrorKind::connect) << r.error.message;
}

TEST(NetClient, ClosesEverySocket) {
  const int before = open_fds();
  {
    net::EventLoop loop;
    net::Server server(loop, {}, [](std::shared_ptr<net::Exchange> ex) {
      stream_pieces(ex, {"a", "b"}, 1ms, false);
    });
    loop.start();
    for (int i = 0; i < 20; ++i) {
      const auto r = net::fetch_sync(url_of(server), get("/"));
      ASSERT_FALSE(r.error) << r.error.message;
    }
    server.close();
    loop.stop();
  }
  EXPECT_EQ(open_fds(), before);
}

TEST(NetUrl, ParsesUrlsAndListenAddresses) {
  const auto u = net::parse_url("https://api.example.com/v1/");
  EXPECT_TRUE(u.tls);
  EXPECT_EQ(u.port, 443);
  EXPECT_EQ(u.base_path, "/v1");
  EXPECT_EQ(u.host_header(), "api.example.com");
  const auto v6 = net::parse_url("http://[::1]:8080");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.host_header(), "[::1]:8080");
  EXPECT_THROW(net::parse_url("ftp://x"), std::invalid_argument);
  const auto local = net::parse_url("http+unix://%2Frun%2Fllm.sock/v1/");
  EXPECT_EQ(local.unix_path, "/run/llm.sock");
  EXPECT_EQ(local.base_path, "/v1");
  EXPECT_EQ(local.host_header(), "localhost");
  EXPECT_EQ(local.origin(), "http+unix://%2Frun%2Fllm.sock");
  EXPECT_THROW(net::parse_url("http+unix://run.sock/v1"), std::invalid_argument);   // not absolute
  EXPECT_THROW(net::parse_url("http+unix://%2Frun%2/v1"), std::invalid_argument);   // bad escape
  EXPECT_THROW(net::parse_url("http://x:99999"), std::invalid_argument);
  EXPECT_EQ(net::parse_listen("127.0.0.1:0").port, 0);
  EXPECT_EQ(net::parse_listen("/run/model/proxy.sock").unix_path, "/run/model/proxy.sock");
  EXPECT_THROW(net::parse_listen("127.0.0.1"), std::invalid_argument);
}

// --- TLS: a CA and a server certificate for "localhost" made here, a raw OpenSSL server ---

using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using CertPtr = std::unique_ptr<X509, decltype(&X509_free)>;

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

CertPtr make_cert(EVP_PKEY* key, const char* cn, EVP_PKEY* signer, X509* issuer, const char* san) {
  static long serial = 1;
  CertPtr cert(X509_new(), X509_free);
  X509* x = cert.get();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
  X509* iss = issuer ? issuer : x;
  if (san) {
    add_ext(x, iss, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(x, iss, NID_subject_alt_name, san);
    add_ext(x, iss, NID_ext_key_usage, "serverAuth");
  } else {
    add_ext(x, iss, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(x, iss, NID_key_usage, "critical,keyCertSign,cRLSign");
    add_ext(x, iss, NID_subject_key_identifier, "hash");
  }
  X509_sign(x, signer, EVP_sha256());
  return cert;
}

KeyPtr make_key() { return KeyPtr(EVP_EC_gen("P-256"), EVP_PKEY_free); }

// Serves "tls ok" to every connection until stopped; handshake failures are ignored.
class TlsServer {
 public:
  TlsServer(X509* cert, EVP_PKEY* key) : ctx_(SSL_CTX_new(TLS_server_method())) {
    SSL_CTX_use_certificate(ctx_, cert);
    SSL_CTX_use_PrivateKey(ctx_, key);
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 8);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~TlsServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
    SSL_CTX_free(ctx_);
  }
  std::uint16_t port() const { return port_; }

 private:
  void serve() {
    while (!stop_) {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      SSL* ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, c);
      if (SSL_accept(ssl) == 1) {
        char buf[4096];
        std::string req;
        while (req.find("\r\n\r\n") == std::string::npos) {
          const int n = SSL_read(ssl, buf, sizeof buf);
          if (n <= 0) break;
          req.append(buf, static_cast<std::size_t>(n));
        }
        const std::string resp = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\ntls ok";
        SSL_write(ssl, resp.data(), static_cast<int>(resp.size()));
        SSL_shutdown(ssl);
      }
      SSL_free(ssl);
      ::close(c);
    }
  }
  SSL_CTX* ctx_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

struct TlsFixture : ::testing::Test {
  void SetUp() override {
    ca_key = make_key();
    ca = make_cert(ca_key.get(), "agentrace test CA", ca_key.get(), nullptr, nullptr);
    key = make_key();
    cert = make_cert(key.get(), "localhost", ca_key.get(), ca.get(), "DNS:localhost");
    ca_file = std::filesystem::temp_directory_path() / ("agentrace-ca-" + std::to_string(::getpid()) + ".pem");
    FILE* f = std::fopen(ca_file.c_str(), "w");
    PEM_write_X509(f, ca.get());
    std::fclose(f);
    server = std::make_unique<TlsServer>(cert.get(), key.get());
  }
  void TearDown() override {
    server.reset();
    std::filesystem::remove(ca_file);
  }
  net::SimpleResponse fetch(const std::string& host, bool with_ca) {
    net::ClientOptions opts;
    if (with_ca) opts.ca_file = ca_file;
    return net::fetch_sync(net::parse_url("https://" + host + ":" + std::to_string(server->port())), get("/"), opts);
  }
  KeyPtr ca_key{nullptr, EVP_PKEY_free}, key{nullptr, EVP_PKEY_free};
  CertPtr ca{nullptr, X509_free}, cert{nullptr, X509_free};
  std::filesystem::path ca_file;
  std::unique_ptr<TlsServer> server;
};

TEST_F(TlsFixture, VerifiesAgainstTheTestCa) {
  const auto r = fetch("localhost", true);
  ASSERT_FALSE(r.error) << r.error.message;
  EXPECT_EQ(r.body, "tls ok");
  EXPECT_GT(r.timings.tls_done_ns, r.timings.connected_ns);
}

TEST_F(TlsFixture, RejectsAWrongHostName) {
  const auto r = fetch("127.0.0.1", true);  // the certificate names only "localhost"
  EXPECT_EQ(r.error.kind, net::ErrorKind::tls);
  EXPECT_NE(r.error.message.find("mismatch"), std::string::npos) << r.error.message;
}

TEST_F(TlsFixture, RejectsAnUnknownCa) {
  const auto r = fetch("localhost", false);
  EXPECT_EQ(r.error.kind, net::ErrorKind::tls);
  EXPECT_NE(r.error.message.find("certificate"), std::string::npos) << r.error.message;
}

}  // namespace
