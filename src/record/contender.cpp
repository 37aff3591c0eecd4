#include "record/contender.hpp"

#include <algorithm>

#include "core/hash.hpp"
#include "core/json-fields.hpp"

namespace agentrace::record {

using core::Rule;

bool is_simulated(const ContenderConfig& c) {
  return (c.endpoint && c.endpoint->simulated()) ||
         std::find(c.labels.begin(), c.labels.end(), "simulated") != c.labels.end();
}

Identity identity(const ContenderConfig& c) {
  return {c.scaffold, c.model, c.command, c.env, c.agent_seconds, c.max_turns, c.endpoint};
}

void to_json(nlohmann::json& j, const Identity& id) {
  const auto opt = [](const std::optional<int>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); };
  nlohmann::json endpoint;
  if (id.endpoint)
    endpoint = {{"url", id.endpoint->url}, {"protocol", id.endpoint->protocol}, {"api_key_env", id.endpoint->key_env},
                {"sim", id.endpoint->sim}};
  j = {{"scaffold", id.scaffold},   {"model", id.model},       {"command", id.command},
       {"env", id.env},             {"agent_seconds", opt(id.agent_seconds)}, {"max_turns", opt(id.max_turns)},
       {"endpoint", std::move(endpoint)}};
}

std::string config_hash(const Identity& id) {
  // Race files are UTF-8 (TOML), but --contender flags are argv bytes: replaced, not thrown.
  return core::sha256_hex(nlohmann::json(id).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

template <class V>
void fields(V& v, EndpointConfig& e) {
  v("url", e.url);
  v("protocol", e.protocol);
  v("api_key_env", e.key_env);
  v("sim", e.sim);
  v.computed("simulated", e.simulated());
}

template <class V>
void fields(V& v, Attachment& a) {
  v("name", a.name);
  v("content", a.content);
}

// The hourly price beside the contender, the token prices in an object of their own.
template <class V>
void fields(V& v, Price& p) {
  v("hourly_usd", p.hourly_usd);
  v.nested("price", [&](auto& tokens) {
    tokens("input_per_mtok", p.input_per_mtok);
    tokens("output_per_mtok", p.output_per_mtok);
  });
}

// Only the names of env variables are kept (a value may be a secret); read back, each
// has an empty value.
template <class V>
void env_keys(V& v, std::map<std::string, std::string>& env) {
  std::vector<std::string> keys;
  for (const auto& [k, value] : env) keys.push_back(k);
  v("env_keys", keys);
  if constexpr (!V::writing) {
    for (const auto& k : keys) env.try_emplace(k);
  }
}

template <class V>
void fields(V& v, ContenderConfig& c) {
  v("name", c.name);
  v("scaffold", c.scaffold);
  v("model", c.model);
  v("endpoint", c.endpoint, Rule::null_empty);
  v("command", c.command);
  v("labels", c.labels);
  v("notes", c.notes);
  v("cross", c.cross);
  v("attachments", c.attachments);
  env_keys(v, c.env);
  v("agent_seconds", c.agent_seconds);
  v("max_turns", c.max_turns);
  fields(v, c.price);
}

void to_json(nlohmann::json& j, const EndpointConfig& e) { core::write_fields(j, e); }
void from_json(const nlohmann::json& j, EndpointConfig& e) { core::read_fields(j, e, "endpoint"); }
void to_json(nlohmann::json& j, const Attachment& a) { core::write_fields(j, a); }
void from_json(const nlohmann::json& j, Attachment& a) { core::read_fields(j, a, "attachment"); }
void to_json(nlohmann::json& j, const ContenderConfig& c) { core::write_fields(j, c); }
void from_json(const nlohmann::json& j, ContenderConfig& c) { core::read_fields(j, c, "contender"); }

}  // namespace agentrace::record
