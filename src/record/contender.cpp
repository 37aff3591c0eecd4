#include "record/contender.hpp"

#include <algorithm>

#include "core/hash.hpp"
#include "core/json-fields.hpp"

namespace agentrace::record {

using core::expect_object;
using core::read;
using core::write;

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

void to_json(nlohmann::json& j, const EndpointConfig& e) {
  j = {{"url", e.url}, {"protocol", e.protocol}, {"api_key_env", e.key_env}, {"sim", e.sim}, {"simulated", e.simulated()}};
}

void from_json(const nlohmann::json& j, EndpointConfig& e) {
  expect_object(j, "endpoint");
  e = {};
  read(j, "url", e.url);
  read(j, "protocol", e.protocol);
  read(j, "api_key_env", e.key_env);
  read(j, "sim", e.sim);
}

void to_json(nlohmann::json& j, const Attachment& a) { j = {{"name", a.name}, {"content", a.content}}; }

void from_json(const nlohmann::json& j, Attachment& a) {
  expect_object(j, "attachment");
  a = {};
  read(j, "name", a.name);
  read(j, "content", a.content);
}

namespace {

void price_to_json(nlohmann::json& j, const Price& p) {
  write(j, "hourly_usd", p.hourly_usd);
  if (!p.input_per_mtok && !p.output_per_mtok) return;
  auto& price = j["price"] = nlohmann::json::object();
  write(price, "input_per_mtok", p.input_per_mtok);
  write(price, "output_per_mtok", p.output_per_mtok);
}

Price price_from_json(const nlohmann::json& j) {
  Price p;
  read(j, "hourly_usd", p.hourly_usd);
  if (const auto it = j.find("price"); it != j.end() && !it->is_null()) {
    expect_object(*it, "price");
    read(*it, "input_per_mtok", p.input_per_mtok);
    read(*it, "output_per_mtok", p.output_per_mtok);
  }
  return p;
}

}  // namespace

void to_json(nlohmann::json& j, const ContenderConfig& c) {
  std::vector<std::string> env_keys;
  for (const auto& [k, v] : c.env) env_keys.push_back(k);
  j = {{"name", c.name},     {"scaffold", c.scaffold}, {"model", c.model},
       {"endpoint", c.endpoint ? nlohmann::json(*c.endpoint) : nlohmann::json()},
       {"command", c.command}, {"labels", c.labels},     {"notes", c.notes},
       {"cross", c.cross},     {"attachments", c.attachments}, {"env_keys", env_keys}};
  write(j, "agent_seconds", c.agent_seconds);
  write(j, "max_turns", c.max_turns);
  price_to_json(j, c.price);
}

void from_json(const nlohmann::json& j, ContenderConfig& c) {
  expect_object(j, "contender");
  c = {};
  read(j, "name", c.name);
  read(j, "scaffold", c.scaffold);
  read(j, "model", c.model);
  read(j, "endpoint", c.endpoint);
  read(j, "command", c.command);
  read(j, "labels", c.labels);
  read(j, "notes", c.notes);
  read(j, "cross", c.cross);
  read(j, "attachments", c.attachments);
  std::vector<std::string> env_keys;
  read(j, "env_keys", env_keys);
  for (const auto& k : env_keys) c.env[k];
  read(j, "agent_seconds", c.agent_seconds);
  read(j, "max_turns", c.max_turns);
  c.price = price_from_json(j);
}

}  // namespace agentrace::record
