#include "race/race-spec.hpp"

#include <algorithm>
#include <regex>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/hash.hpp"
#include "core/toml-reader.hpp"
#include "net/http.hpp"

namespace agentrace::race {
namespace fs = std::filesystem;
namespace {

scaffold::EndpointConfig read_endpoint(const toml::table& table, core::TableReader& r) {
  core::TableReader er(table, r.field("endpoint"), r.errors());
  scaffold::EndpointConfig e;
  e.sim = er.string("sim", false).value_or("");
  e.url = er.string("url", e.sim.empty()).value_or("");
  e.protocol = er.string("protocol", false).value_or("");
  e.key_env = er.string("api_key_env", false).value_or("");
  if (!e.sim.empty() && !e.url.empty())
    r.errors().add(er.where("url"), fmt::format("'{}': give either 'sim' or 'url', not both", r.field("endpoint")));
  if (!e.url.empty()) {
    try {
      (void)net::parse_url(e.url);
    } catch (const std::invalid_argument& bad) {
      r.errors().add(er.where("url"), fmt::format("'{}.url': {}", r.field("endpoint"), bad.what()));
    }
  }
  if (!e.protocol.empty() && e.protocol != "openai-chat" && e.protocol != "anthropic-messages" &&
      e.protocol != "openai-responses")
    r.errors().add(er.where("protocol"), fmt::format("'{}.protocol' = \"{}\": use openai-chat, anthropic-messages "
                                                     "or openai-responses", r.field("endpoint"), e.protocol));
  er.finish();
  return e;
}

// `scaffold = "x"`, or `scaffolds = ["x", "y"]` for a cross of this model with several scaffolds.
std::vector<std::string> read_scaffolds(core::TableReader& r) {
  const bool one = r.has("scaffold"), many = r.has("scaffolds");
  std::vector<std::string> names;
  if (one && many) {
    r.raw("scaffold");  // named in this message, not unknown
    r.errors().add(r.where("scaffolds"), fmt::format("'{}': give either 'scaffold' or 'scaffolds', not both",
                                                     r.field("scaffolds")));
  }
  if (many) {
    names = r.string_list("scaffolds", true);
    if (names.empty()) r.errors().add(r.where("scaffolds"), fmt::format("'{}' is empty", r.field("scaffolds")));
  } else if (auto name = r.string("scaffold", true)) {
    names.push_back(*name);
  }
  const auto known = scaffold::known_scaffolds();
  for (const auto& name : names) {
    if (std::find(known.begin(), known.end(), name) == known.end())
      r.errors().add(r.where(many ? "scaffolds" : "scaffold"),
                     fmt::format("'{}' = \"{}\" is not a known scaffold ({})", r.field(many ? "scaffolds" : "scaffold"),
                                 name, fmt::format("{}", fmt::join(known, ", "))));
  }
  return names;
}

void read_price(core::TableReader& r, scaffold::Price& price) {
  constexpr double kMax = 1e6;
  price.hourly_usd = r.number("hourly_usd", false, 0, kMax);
  if (const auto* t = r.table("price", false)) {
    core::TableReader pr(*t, r.field("price"), r.errors());
    price.input_per_mtok = pr.number("input_per_mtok", true, 0, kMax);
    price.output_per_mtok = pr.number("output_per_mtok", true, 0, kMax);
    pr.finish();
  }
}

constexpr std::uintmax_t kMaxAttachment = 256 * 1024;
constexpr std::size_t kMaxNameLength = 100;

void read_attachments(core::TableReader& r, const fs::path& base, std::vector<scaffold::Attachment>& out) {
  for (const auto& name : r.string_list("attachments", false)) {
    const auto file = fs::path(name).is_absolute() ? fs::path(name) : base / name;
    std::error_code ec;
    const auto size = fs::file_size(file, ec);
    if (!ec && !core::resolves_inside(base, file)) {
      r.errors().add(r.where("attachments"),
                     fmt::format("'{}': {} leads outside the race file's folder (to {}); attach files inside it",
                                 r.field("attachments"), file.string(), fs::weakly_canonical(file).string()));
    } else if (ec) {
      r.errors().add(r.where("attachments"), fmt::format("'{}': cannot read {}", r.field("attachments"), file.string()));
    } else if (size > kMaxAttachment) {
      r.errors().add(r.where("attachments"), fmt::format("'{}': {} is {} bytes; attach files up to {} KiB",
                                                         r.field("attachments"), file.string(), size, kMaxAttachment / 1024));
    } else {
      out.push_back({name, core::read_file(file)});
    }
  }
}

// One contender, or one per scaffold of a `scaffolds` list (named NAME-SCAFFOLD).
std::vector<scaffold::ContenderConfig> read_contender(core::TableReader& r, const fs::path& base) {
  scaffold::ContenderConfig c;
  c.name = r.string("name", true).value_or("");
  const auto scaffolds = read_scaffolds(r);
  c.model = r.string("model", false).value_or("");
  c.command = r.string_list("command", false);
  c.labels = r.string_list("labels", false);
  c.notes = r.string("notes", false).value_or("");
  if (const auto* env = r.table("env", false)) {
    core::TableReader er(*env, r.field("env"), r.errors());
    for (const auto& [k, v] : *env) {
      if (auto s = er.string(std::string(k.str()), true)) c.env[std::string(k.str())] = *s;
    }
    er.finish();
  }
  if (auto s = r.integer("agent_seconds", false, 1, 86400)) c.agent_seconds = static_cast<int>(*s);
  if (auto t = r.integer("max_turns", false, 1, 100000)) c.max_turns = static_cast<int>(*t);
  c.optional = r.boolean("optional").value_or(false);
  if (const auto* ep = r.table("endpoint", false)) c.endpoint = read_endpoint(*ep, r);
  read_price(r, c.price);
  read_attachments(r, base, c.attachments);
  const bool command = std::find(scaffolds.begin(), scaffolds.end(), "command") != scaffolds.end();
  if (command && c.command.empty()) {
    r.errors().add(r.node().source(), fmt::format("contender '{}': scaffold \"command\" needs command = [\"prog\", ...]",
                                                  c.name));
  }
  r.finish();
  std::vector<scaffold::ContenderConfig> out;
  for (const auto& name : scaffolds) {
    auto one = c;
    one.scaffold = name;
    if (r.has("scaffolds")) {
      one.cross = c.name;
      one.name = fmt::format("{}-{}", c.name, name);
    }
    out.push_back(std::move(one));
  }
  return out;
}

}  // namespace

record::Race RaceSpec::record() const {
  return {name, suite_dir.string(), task_filter, repeats, jobs, sandbox, agent_seconds, judge, contenders};
}

RaceSpec load_race_file(const fs::path& file) {
  if (!fs::exists(file)) throw core::UsageError(fmt::format("race file {} does not exist", file.string()));
  auto spec = parse_race_file(core::read_file(file), file);
  finalize_contenders(spec);
  return spec;
}

RaceSpec parse_race_file(std::string_view text, const fs::path& file) {
  core::SpecErrors errors(file);
  const auto parsed = core::parse_toml(text, errors);
  errors.throw_if_any();
  core::TableReader r(*parsed, "", errors);
  RaceSpec spec;
  spec.source = fs::absolute(file);
  spec.name = r.string("name", false).value_or(file.stem().string());
  if (auto suite = r.string("suite", true)) {
    spec.suite_dir = fs::path(*suite).is_absolute() ? fs::path(*suite) : spec.source.parent_path() / *suite;
    if (!fs::is_directory(spec.suite_dir))
      errors.add(r.where("suite"), fmt::format("'suite': folder {} does not exist", spec.suite_dir.string()));
  }
  spec.task_filter = r.string_list("tasks", false);
  if (r.has("tasks")) {
    spec.tasks_line = static_cast<int>(r.where("tasks").begin.line);
    spec.tasks_column = static_cast<int>(r.where("tasks").begin.column);
  }
  spec.repeats = static_cast<int>(r.integer("repeats", false, 1, 1000).value_or(1));
  spec.jobs = static_cast<int>(r.integer("jobs", false, 1, 256).value_or(1));
  spec.sandbox = r.string("sandbox", false).value_or("bwrap");
  if (spec.sandbox != "bwrap" && spec.sandbox != "none")
    errors.add(r.where("sandbox"), fmt::format("'sandbox' = \"{}\": use \"bwrap\" or \"none\"", spec.sandbox));
  if (const auto* limits = r.table("limits", false)) {
    core::TableReader lr(*limits, "limits", errors);
    if (auto s = lr.integer("agent_seconds", false, 1, 86400)) spec.agent_seconds = static_cast<int>(*s);
    if (auto s = lr.integer("stall_seconds", false, 1, 86400)) spec.stall_seconds = static_cast<int>(*s);
    lr.finish();
  }
  if (const auto* judge = r.table("judge", false)) {
    core::TableReader jr(*judge, "judge", errors);
    JudgeSpec j;
    j.model = jr.string("model", true).value_or("");
    if (const auto* ep = jr.table("endpoint", true)) j.endpoint = read_endpoint(*ep, jr);
    if (j.endpoint.protocol.empty()) j.endpoint.protocol = "openai-chat";
    if (j.endpoint.protocol == "openai-responses")
      errors.add(jr.where("endpoint"), "'judge.endpoint.protocol': the judge speaks openai-chat or anthropic-messages");
    jr.finish();
    spec.judge = j;
  }
  const auto contenders = r.table_array("contenders", true);
  std::set<std::string> names;
  for (std::size_t i = 0; i < contenders.size(); ++i) {
    core::TableReader cr(*contenders[i], fmt::format("contenders[{}]", i), errors);
    for (auto& c : read_contender(cr, spec.source.parent_path())) {
      if (!c.name.empty() && !names.insert(c.name).second)
        errors.add(cr.where("name"), fmt::format("contender name '{}' is used twice", c.name));
      spec.contenders.push_back(std::move(c));
    }
  }
  r.finish();
  errors.throw_if_any();
  return spec;
}

namespace {
// An optional contender that cannot start is left out with a note on stderr.
void drop_optional_that_cannot_start(std::vector<scaffold::ContenderConfig>& contenders) {
  std::erase_if(contenders, [](const scaffold::ContenderConfig& c) {
    if (!c.optional) return false;
    try {
      scaffold::make(c.scaffold)->check(c);
      return false;
    } catch (const core::UsageError& e) {
      fmt::print(stderr, "note: optional contender '{}' left out: {}\n", c.name, e.what());
      return true;
    }
  });
}
}  // namespace

void finalize_contenders(RaceSpec& spec) {
  for (auto& c : spec.contenders) {  // an endpoint without a protocol speaks its scaffold's
    if (c.endpoint && c.endpoint->protocol.empty()) c.endpoint->protocol = scaffold::make(c.scaffold)->default_protocol();
  }
  drop_optional_that_cannot_start(spec.contenders);
  if (spec.contenders.empty()) throw core::UsageError("no contenders: give --contender NAME or a race file");
  for (auto& c : spec.contenders) {
    if (c.name.size() > kMaxNameLength)  // before std::regex, which recurses per character
      throw core::UsageError(fmt::format("contender name '{}...' is {} characters long; use at most {}",
                                         c.name.substr(0, 20), c.name.size(), kMaxNameLength));
    if (!std::regex_match(c.name, std::regex("[A-Za-z0-9][A-Za-z0-9._-]*")))
      throw core::UsageError(fmt::format("contender name '{}' may hold only letters, digits, '.', '_' and '-'", c.name));
    scaffold::make(c.scaffold)->check(c);
    c.config_hash = record::config_hash(record::identity(c));
  }
}

std::string race_id(const std::string& name) { return "race-" + core::sha256_hex(name).substr(0, 12); }

std::string attempt_id(const std::string& race, const std::string& task_hash,
                       const scaffold::ContenderConfig& contender, int repeat) {
  core::Sha256 h;
  h.add_field(race).add_field(task_hash).add_field(contender.name).add_field(contender.config_hash);
  h.add_field(std::to_string(repeat));
  return h.hex().substr(0, 24);
}

std::vector<store::AttemptRecord> plan(const RaceSpec& spec, const std::string& race, const suite::Suite& suite) {
  std::vector<const suite::Task*> tasks;
  for (const auto& id : spec.task_filter) {
    const auto* t = suite.find(id);
    if (t != nullptr) {
      tasks.push_back(t);
      continue;
    }
    if (spec.tasks_line == 0) throw core::UsageError(fmt::format("--task {}: no such task in {}", id, suite.dir.string()));
    throw core::SpecError(spec.source.string(), spec.tasks_line, spec.tasks_column,
                          fmt::format("'tasks': no such task '{}' in {}", id, suite.dir.string()));
  }
  if (spec.task_filter.empty()) {
    for (const auto& t : suite.tasks) tasks.push_back(&t);
  }
  std::vector<store::AttemptRecord> out;
  for (int rep = 0; rep < spec.repeats; ++rep) {
    for (const auto* t : tasks) {
      for (const auto& c : spec.contenders) {
        store::AttemptRecord a;
        a.id = attempt_id(race, t->hash, c, rep);
        a.race_id = race;
        a.task_id = t->id;
        a.task_hash = t->hash;
        a.contender = c.name;
        a.repeat = rep;
        out.push_back(std::move(a));
      }
    }
  }
  return out;
}

}  // namespace agentrace::race
