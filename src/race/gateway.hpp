#pragma once
// The race's model gateway: the recording proxy every model call goes through, and
// the simulated endpoints the race starts for contenders whose endpoint is `sim`.
// Each attempt gets its own proxy route, so every call is attributed to its attempt. A
// route is a capability: its id is 128 random bits, open only while the attempt runs,
// never in any argv, record or log. Inside the sandbox (no network) the agent reaches
// the proxy through its Unix socket, bind-mounted at /run/model, and `agentrace relay`
// listening on the sandbox's own loopback in front of the agent: the relay reads the
// route id on its stdin and opens each proxy connection with it, so the agent's base URL
// holds no secret. With --sandbox none the agent gets the route's URL in its environment
// or config files.
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "proxy/call-record.hpp"
#include "proxy/cassette.hpp"
#include "race/race-spec.hpp"
#include "sandbox/sandbox.hpp"
#include "store/store.hpp"

namespace agentrace::proc {
class Child;
}
namespace agentrace::proxy {
class Proxy;
}

namespace agentrace::race {

inline constexpr int kRelayPort = 8417;          // on the sandbox's private loopback
inline constexpr const char* kDummyKey = "agentrace-dummy-key";

struct Lease {
  std::string base_url;                  // as the agent sees it
  std::vector<std::string> argv_prefix;  // runs before the agent's argv (the relay)
  std::vector<sandbox::Mount> mounts;
  std::optional<std::filesystem::path> socket_dir;
  std::string stdin_data;  // the relay's route token line: the command's stdin, never argv
  // The relay writes the agent's own CPU time and memory to its fd 3 (SpawnSpec::fd3_path).
  bool relay_rusage = false;
};

class ModelGateway {
 public:
  // Starts the proxy and any simulated endpoints when a contender has an endpoint.
  // cassette_dir set: each attempt's calls are also written to DIR/<attempt id>.jsonl.
  ModelGateway(const RaceSpec& spec, const std::filesystem::path& run_dir, store::Store& db, sandbox::Mode mode,
               const std::filesystem::path& cassette_dir = {});
  ~ModelGateway();
  ModelGateway(const ModelGateway&) = delete;
  ModelGateway& operator=(const ModelGateway&) = delete;

  bool active() const { return proxy_ != nullptr; }
  // No endpoint byte this long: the proxy cuts the call and classes it "stalled".
  std::chrono::seconds stall_timeout() const { return stall_timeout_; }
  // Opens the attempt's route; nothing to do for a contender without an endpoint.
  Lease open(const std::string& attempt_id, const scaffold::ContenderConfig& contender);
  // Closes the route once its calls are over; returns the attempt's call records.
  std::vector<proxy::CallRecord> close(const std::string& attempt_id);
  // A route for calls made by agentrace itself on the host (the judge); its records are
  // stored under `label` (e.g. "judge:<attempt id>"). Returns the route's URL.
  std::string open_host(const std::string& label, const scaffold::EndpointConfig& endpoint);
  void close_host(const std::string& label);

 private:
  std::string upstream_for(const scaffold::EndpointConfig& e);
  void record(proxy::CallRecord r);
  // Adds a route labelled `label` under a fresh secret id; returns the id.
  std::string add_route(const std::string& label, const scaffold::EndpointConfig& endpoint,
                        std::function<void(proxy::CassetteCall)> cassette = {});
  // Waits (up to 1 s) for the route's calls to end, removes it, returns the records
  // stored under `label`.
  std::vector<proxy::CallRecord> close_route(const std::string& label);

  sandbox::Mode mode_;
  std::chrono::seconds stall_timeout_;
  std::filesystem::path run_dir_;
  std::filesystem::path socket_dir_;
  std::filesystem::path suite_dir_;
  std::filesystem::path cassette_dir_;
  store::Store& db_;
  std::unique_ptr<proxy::Proxy> proxy_;
  std::map<std::string, std::unique_ptr<proc::Child>> sims_;  // profile -> process
  std::map<std::string, std::string> sim_urls_;
  std::mutex mutex_;
  std::map<std::string, std::vector<proxy::CallRecord>> calls_;
  std::map<std::string, std::string> route_ids_;  // label -> secret route id
};

}  // namespace agentrace::race
