#pragma once
// A contender as configured (docs/contenders.md) and as the store keeps it, and its
// identity: the part that decides how the agent behaves, hashed canonically.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace agentrace::record {

// Where a contender's model calls go. Every call passes through the race's recording
// proxy; the agent gets the proxy's route and a dummy key, never the real one.
struct EndpointConfig {
  std::string url;       // the server's base URL without the trailing /v1
  std::string protocol;  // openai-chat | anthropic-messages | openai-responses
  std::string key_env;   // environment variable holding the real API key ("" = none)
  std::string sim;       // a simulated endpoint's profile (zero | local | hosted | file):
                         // the race starts `agentrace sim` and labels results simulated
  bool simulated() const { return !sim.empty(); }
};

// A file shown under "how to run it" (a serve command, a compose file, a serve config).
struct Attachment {
  std::string name;  // as given in the race file, relative to it
  std::string content;
};

// What the contender's calls cost: per million tokens (hosted) or per hour of the machine (local).
struct Price {
  std::optional<double> input_per_mtok, output_per_mtok;
  std::optional<double> hourly_usd;
};

struct ContenderConfig {
  std::string name;
  std::string scaffold;                      // scaffold::known_scaffolds()
  std::string model;                         // the model id the agent sends
  std::string cross;                         // the contender block a `scaffolds` list expanded ("" = none)
  std::vector<std::string> command;          // scaffold = command: argv, with {prompt} etc.
  std::map<std::string, std::string> env;    // extra environment inside the sandbox
  std::vector<std::string> labels;           // e.g. local, hosted, hardware
  std::string notes;                         // how it was set up, shown in the report
  std::optional<int> agent_seconds;          // overrides the task's limit
  std::optional<int> max_turns;              // model turns, where the scaffold can enforce it
  bool optional = false;                     // left out of the race (with a note) when it cannot start
  Price price;
  std::vector<Attachment> attachments;
  std::optional<EndpointConfig> endpoint;    // model endpoint, when the agent calls one
  std::string config_hash;                   // config_hash(identity(*this)), set when the race is planned
};

// What changes the agent's behaviour, and so what its config hash (and with it every
// attempt id) covers: scaffold, model, command, env (names and values), agent_seconds,
// max_turns and the endpoint (url, protocol, key variable, sim profile). The name is not
// in it (the attempt id adds it); price, labels, notes, attachments, cross and optional
// only describe the contender: changing them keeps its finished attempts.
struct Identity {
  std::string scaffold, model;
  std::vector<std::string> command;
  std::map<std::string, std::string> env;
  std::optional<int> agent_seconds, max_turns;
  std::optional<EndpointConfig> endpoint;
};

// Its endpoint is simulated, or it is labelled "simulated".
bool is_simulated(const ContenderConfig& c);

Identity identity(const ContenderConfig& c);
// SHA-256 (hex) of the identity's canonical JSON: compact, keys sorted, absent optionals
// as null (docs/contenders.md shows the form).
std::string config_hash(const Identity& id);
void to_json(nlohmann::json& j, const Identity& id);

// The endpoint as stored: {url, protocol, api_key_env, sim, simulated}; `simulated` is
// derived and ignored on reading.
void to_json(nlohmann::json& j, const EndpointConfig& e);
void from_json(const nlohmann::json& j, EndpointConfig& e);
void to_json(nlohmann::json& j, const Attachment& a);
void from_json(const nlohmann::json& j, Attachment& a);
// The contender as the store keeps it. env values are not kept (they may hold secrets),
// only `env_keys`: read back, env holds those names with empty values. config_hash and
// optional are not kept either.
void to_json(nlohmann::json& j, const ContenderConfig& c);
void from_json(const nlohmann::json& j, ContenderConfig& c);

}  // namespace agentrace::record
