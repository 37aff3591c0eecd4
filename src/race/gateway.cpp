#include "race/gateway.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/hash.hpp"
#include "net/client.hpp"
#include "net/http.hpp"
#include "proc/child.hpp"
#include "proxy/proxy.hpp"

namespace agentrace::race {
namespace fs = std::filesystem;

namespace {

std::vector<const scaffold::EndpointConfig*> endpoints(const RaceSpec& spec) {
  std::vector<const scaffold::EndpointConfig*> out;
  for (const auto& c : spec.contenders) {
    if (c.endpoint) out.push_back(&*c.endpoint);
  }
  if (spec.judge) out.push_back(&spec.judge->endpoint);
  return out;
}

// Any HTTP answer (even 404) means the server is there; no connection is the user's to fix.
void check_reachable(const std::string& url) {
  const auto u = net::parse_url(url);
  net::ClientRequest request;
  request.target = u.base_path.empty() ? "/" : u.base_path;
  request.total_timeout = std::chrono::seconds(15);
  net::ClientOptions options;
  options.connect_timeout = std::chrono::seconds(5);
  const auto r = net::fetch_sync(u, request, options);
  const auto kind = r.error.kind;
  if (kind == net::ErrorKind::resolve || kind == net::ErrorKind::connect || kind == net::ErrorKind::tls)
    throw core::UsageError(fmt::format("endpoint {} cannot be reached ({}: {}); start its server or fix the contender's "
                                       "url", url, net::error_kind_name(kind), r.error.message));
}

// The socket folders of runs that died (kill -9) go; a live run's stays.
void remove_stale_socket_dirs(const fs::path& run_dir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(run_dir, ec)) {
    const auto name = entry.path().filename().string();
    if (name.rfind("sock-", 0) != 0) continue;
    char* end = nullptr;
    const long pid = std::strtol(name.c_str() + 5, &end, 10);
    if (*end != '\0' || pid <= 0 || pid == getpid()) continue;
    if (kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) fs::remove_all(entry.path(), ec);
  }
}

}  // namespace

ModelGateway::ModelGateway(const RaceSpec& spec, const fs::path& run_dir, store::Store& db, sandbox::Mode mode,
                           const fs::path& cassette_dir)
    // One socket folder per process: two runs sharing a work folder must not take each
    // other's socket. The sandbox sees either one at the same path.
    : mode_(mode), stall_timeout_(spec.stall_seconds), run_dir_(run_dir),
      socket_dir_(run_dir / fmt::format("sock-{}", getpid())), suite_dir_(spec.suite_dir), cassette_dir_(cassette_dir),
      db_(db) {
  remove_stale_socket_dirs(run_dir);
  bool any = false;
  for (const auto& c : spec.contenders) any = any || c.endpoint.has_value();
  if (!any && !spec.judge) return;
  fs::create_directories(socket_dir_);
  fs::permissions(socket_dir_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                   fs::perms::others_read | fs::perms::others_exec);
  fs::remove(socket_dir_ / "proxy.sock");
  proxy::ProxyOptions opts;
  net::ListenSpec tcp;
  net::ListenSpec unix_socket;
  unix_socket.unix_path = (socket_dir_ / "proxy.sock").string();
  unix_socket.token_line = true;  // only relays connect here: each opens with its attempt's route id
  opts.listen = {tcp, unix_socket};
  opts.stall_timeout = stall_timeout_;
  proxy_ = std::make_unique<proxy::Proxy>(opts, [this](proxy::CallRecord r) { record(std::move(r)); });
  // A sandboxed agent (uid 4242 inside) must be able to connect to the socket.
  fs::permissions(socket_dir_ / "proxy.sock", fs::perms::all);
  // Start simulated endpoints, check keys and reach every server now: a contender that
  // cannot start is reported before the race, not as failed attempts.
  std::set<std::string> reached;
  for (const auto* e : endpoints(spec)) {
    upstream_for(*e);
    if (!e->simulated() && reached.insert(e->url).second) check_reachable(e->url);
  }
}

ModelGateway::~ModelGateway() {
  if (proxy_) proxy_->stop();
  for (auto& [profile, child] : sims_) child->stop();
  std::error_code ec;
  fs::remove_all(socket_dir_, ec);
}

std::string ModelGateway::upstream_for(const scaffold::EndpointConfig& e) {
  if (!e.simulated()) {
    if (!e.key_env.empty() && std::getenv(e.key_env.c_str()) == nullptr)
      throw core::UsageError(fmt::format("endpoint {}: the API key variable {} is not set; export it before the race",
                                         e.url, e.key_env));
    return e.url;
  }
  std::lock_guard g(mutex_);
  if (auto it = sim_urls_.find(e.sim); it != sim_urls_.end()) return it->second;
  proc::SpawnSpec spec;
  spec.argv = {core::self_exe().string(), "sim", "--listen", "127.0.0.1:0", "--profile", e.sim, "--seed", "1"};
  if (!suite_dir_.empty()) spec.argv.insert(spec.argv.end(), {"--suite", suite_dir_.string()});
  spec.env = proc::allowlisted_env();
  spec.stderr_path = run_dir_ / fmt::format("sim-{}.log", e.sim);
  auto child = std::make_unique<proc::Child>(spec);
  auto url = child->read_line(std::chrono::seconds(20));
  while (!url.empty() && (url.back() == '\r' || url.back() == ' ')) url.pop_back();
  if (url.rfind("http", 0) != 0)
    throw core::InfraError(fmt::format("simulated endpoint ({}) printed '{}' instead of its URL", e.sim, url));
  sims_[e.sim] = std::move(child);
  sim_urls_[e.sim] = url;
  return url;
}

void ModelGateway::record(proxy::CallRecord r) {
  store::CallRow row;
  row.attempt_id = r.attempt_id;
  row.sequence = static_cast<std::int64_t>(r.sequence);
  row.protocol = r.protocol;
  row.model = r.model;
  row.status = r.status;
  row.error = std::string(proxy::error_class_name(r.error));
  row.start_wall_ms = r.start_wall_ms;
  row.start_mono_ns = r.start_mono_ns;
  row.first_content_ms = r.first_content_ms;
  row.end_ms = r.end_ms;
  row.input_tokens = r.input_tokens;
  row.output_tokens = r.output_tokens;
  row.record_json = proxy::to_json_line(r);
  try {
    db_.put_call(row);
  } catch (const std::exception& e) {
    // The attempt still gets its records in memory; the store error surfaces there.
    fmt::print(stderr, "warning: cannot store a call of attempt {}: {}\n", r.attempt_id, e.what());
  }
  std::lock_guard g(mutex_);
  calls_[r.attempt_id].push_back(std::move(r));
}

std::string ModelGateway::add_route(const std::string& label, const scaffold::EndpointConfig& endpoint,
                                    std::function<void(proxy::CassetteCall)> cassette) {
  const auto id = core::random_hex(16);
  proxy_->add_route({id, label, upstream_for(endpoint), endpoint.key_env, std::move(cassette)});
  std::lock_guard g(mutex_);
  route_ids_[label] = id;
  return id;
}

Lease ModelGateway::open(const std::string& attempt_id, const scaffold::ContenderConfig& contender) {
  Lease lease;
  if (!contender.endpoint || !proxy_) return lease;
  db_.clear_calls(attempt_id);
  {
    std::lock_guard g(mutex_);
    calls_.erase(attempt_id);
  }
  std::function<void(proxy::CassetteCall)> cassette;
  if (!cassette_dir_.empty()) {  // a fresh cassette per run of the attempt
    fs::create_directories(cassette_dir_);
    auto file = std::make_shared<proxy::CassetteFile>(cassette_dir_ / (attempt_id + ".jsonl"));
    cassette = [file](proxy::CassetteCall call) { file->append(call); };
  }
  const auto id = add_route(attempt_id, *contender.endpoint, std::move(cassette));
  if (mode_ == sandbox::Mode::none) {
    lease.base_url = proxy_->route_url(id);
    return lease;
  }
  lease.base_url = fmt::format("http://127.0.0.1:{}", kRelayPort);
  lease.socket_dir = socket_dir_;
  lease.stdin_data = id + "\n";
  lease.mounts.push_back({core::self_exe(), "/opt/agentrace/agentrace", false});
  lease.argv_prefix = {"/opt/agentrace/agentrace", "relay", "--listen", fmt::format("127.0.0.1:{}", kRelayPort),
                       "--unix", std::string(sandbox::kSocketMount) + "/proxy.sock", "--token-stdin",
                       "--rusage-fd", "3", "--"};
  lease.relay_rusage = true;
  return lease;
}

std::string ModelGateway::open_host(const std::string& label, const scaffold::EndpointConfig& endpoint) {
  return proxy_->route_url(add_route(label, endpoint));
}

void ModelGateway::close_host(const std::string& label) { close_route(label); }

std::vector<proxy::CallRecord> ModelGateway::close(const std::string& attempt_id) { return close_route(attempt_id); }

std::vector<proxy::CallRecord> ModelGateway::close_route(const std::string& label) {
  if (!proxy_) return {};
  std::string id;
  {
    std::lock_guard g(mutex_);
    if (auto n = route_ids_.extract(label)) id = std::move(n.mapped());
  }
  // A call's record arrives when the call is over for the client; give the proxy's
  // thread a moment to hand over the route's last ones (other attempts' calls go on).
  for (int i = 0; i < 100 && proxy_->calls_in_flight(id) > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  proxy_->remove_route(id);
  std::lock_guard g(mutex_);
  auto out = std::move(calls_[label]);
  calls_.erase(label);
  return out;
}

}  // namespace agentrace::race
