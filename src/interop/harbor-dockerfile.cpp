// The part of a Harbor task's environment/Dockerfile agentrace reproduces without a
// container engine (interop/harbor.hpp): what COPY and ADD put under the WORKDIR, ENV, FROM.
#include <fnmatch.h>

#include <algorithm>
#include <cctype>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "interop/harbor.hpp"

namespace agentrace::interop {
namespace fs = std::filesystem;
namespace {

struct Line {
  int number = 0;  // where the instruction starts
  std::string instruction, args;
};

// Instructions with their continuation lines joined; comments and blank lines dropped.
std::vector<Line> logical_lines(const std::string& text) {
  std::vector<Line> out;
  std::istringstream in(text);
  std::string raw, joined;
  int number = 0, start = 0;
  while (std::getline(in, raw)) {
    ++number;
    if (!raw.empty() && raw.back() == '\r') raw.pop_back();
    const auto first = raw.find_first_not_of(" \t");
    if (first == std::string::npos || raw[first] == '#') continue;
    if (joined.empty()) start = number;
    const bool more = raw.back() == '\\';
    joined += more ? raw.substr(0, raw.size() - 1) + " " : raw;
    if (more) continue;
    const auto b = joined.find_first_not_of(" \t");
    const auto e = joined.find_first_of(" \t", b);
    Line l{start, joined.substr(b, e - b), e == std::string::npos ? "" : joined.substr(joined.find_first_not_of(" \t", e))};
    for (auto& c : l.instruction) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    out.push_back(std::move(l));
    joined.clear();
  }
  return out;
}

std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string unquote(std::string s) {
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front()) return s.substr(1, s.size() - 2);
  return s;
}

// COPY/ADD's arguments: flags, then sources and a destination, plain or as a JSON array.
std::vector<std::string> copy_args(const std::string& args, const std::string& where, std::vector<std::string>& flags) {
  auto rest = args;
  while (rest.rfind("--", 0) == 0) {
    const auto end = rest.find_first_of(" \t");
    flags.push_back(rest.substr(0, end));
    rest = end == std::string::npos ? "" : rest.substr(rest.find_first_not_of(" \t", end));
  }
  std::vector<std::string> out;
  if (!rest.empty() && rest.front() == '[') {
    const auto j = nlohmann::json::parse(rest, nullptr, false);
    if (!j.is_array() || !std::all_of(j.begin(), j.end(), [](const auto& v) { return v.is_string(); }))
      throw core::UsageError(fmt::format("{}: the JSON form must be an array of strings", where));
    for (const auto& v : j) out.push_back(v.get<std::string>());
  } else {
    out = words(rest);
  }
  if (out.size() < 2) throw core::UsageError(fmt::format("{}: needs a source and a destination", where));
  return out;
}

// Words with "..." and '...' quoting and backslash escapes, quotes removed.
std::vector<std::string> quoted_words(const std::string& s) {
  std::vector<std::string> out;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quote) {
      if (c == quote) quote = 0;
      else if (c == '\\' && quote == '"' && i + 1 < s.size()) word += s[++i];
      else word += c;
    } else if (c == '"' || c == '\'') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < s.size()) {
      word += s[++i];
      in_word = true;
    } else if (c == ' ' || c == '\t') {
      if (in_word) out.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) out.push_back(std::move(word));
  return out;
}

// ENV KEY=VALUE ... or ENV KEY VALUE.
void read_env(const std::string& args, Dockerfile& d) {
  const auto w = quoted_words(args);
  if (w.empty()) return;
  if (w.front().find('=') == std::string::npos) {
    const auto rest = args.substr(args.find_first_of(" \t") == std::string::npos ? args.size() : args.find_first_of(" \t"));
    d.env.emplace_back(w.front(), unquote(rest.substr(std::min(rest.size(), rest.find_first_not_of(" \t")))));
    return;
  }
  for (const auto& kv : w) {
    const auto eq = kv.find('=');
    if (eq != std::string::npos) d.env.emplace_back(kv.substr(0, eq), unquote(kv.substr(eq + 1)));
  }
}

void read_copy(const Line& l, const std::string& where, const fs::path& workdir, Dockerfile& d) {
  std::vector<std::string> flags;
  auto args = copy_args(l.args, where, flags);
  for (const auto& f : flags)
    if (f.rfind("--from", 0) == 0) {
      d.not_reproduced.push_back(fmt::format("line {}: {} {} (from another stage or image)", l.number, l.instruction, l.args));
      return;
    }
  Dockerfile::Copy c{l.number, {args.begin(), args.end() - 1}, args.back()};
  if (c.dest.front() != '/') c.dest = ((workdir.empty() ? fs::path("/") : workdir) / c.dest).string();
  for (const auto& s : c.sources)
    if (l.instruction == "ADD" && s.find("://") != std::string::npos)
      d.not_reproduced.push_back(fmt::format("line {}: ADD {} (a download)", l.number, s));
  d.copies.push_back(std::move(c));
}

}  // namespace

Dockerfile read_dockerfile(const fs::path& file) {
  Dockerfile d;
  for (const auto& l : logical_lines(core::read_file(file))) {
    const auto where = fmt::format("{}:{}: {}", file.string(), l.number, l.instruction);
    if (l.instruction == "FROM") {
      d = Dockerfile{};  // only the final stage is the task's
      for (const auto& w : words(l.args))
        if (w.rfind("--", 0) != 0) {
          d.from = w;
          break;
        }
    } else if (l.instruction == "WORKDIR") {
      const fs::path w = unquote(l.args);
      d.workdir = (w.is_absolute() ? w : (d.workdir.empty() ? fs::path("/") : d.workdir) / w).lexically_normal();
    } else if (l.instruction == "COPY" || l.instruction == "ADD") {
      read_copy(l, where, d.workdir, d);
    } else if (l.instruction == "ENV") {
      read_env(l.args, d);
    } else if (l.instruction != "LABEL" && l.instruction != "EXPOSE" && l.instruction != "CMD" &&
               l.instruction != "ENTRYPOINT" && l.instruction != "HEALTHCHECK" && l.instruction != "STOPSIGNAL") {
      d.not_reproduced.push_back(fmt::format("line {}: {} {}", l.number, l.instruction,
                                             l.args.size() > 80 ? l.args.substr(0, 77) + "..." : l.args));
    }
  }
  return d;
}

// Copies files and folders only: a link, device or FIFO is left out with a note, and so is
// a .git (the base is one fresh commit of the files; git would take a nested one for a
// submodule).
void copy_plain(const fs::path& from, const fs::path& to, std::vector<std::string>& notes) {
  const auto st = fs::symlink_status(from);
  if (from.filename() == ".git") {
    notes.push_back(fmt::format("{}: left out (the base is one commit of the files, without their history)", from.string()));
  } else if (fs::is_directory(st)) {
    fs::create_directories(to);
    for (const auto& e : fs::directory_iterator(from)) copy_plain(e.path(), to / e.path().filename(), notes);
  } else if (fs::is_regular_file(st)) {
    fs::create_directories(to.parent_path());
    fs::copy_file(from, to, fs::copy_options::overwrite_existing);
  } else {
    notes.push_back(fmt::format("{}: not a plain file or folder (a link?), left out", from.string()));
  }
}

namespace {

// The context entries a source names: ".", a path, or a pattern with * ? [. A folder's
// contents are copied, not the folder itself.
std::vector<fs::path> expand_source(const fs::path& context, const std::string& source) {
  const auto rel = fs::path(source).relative_path().lexically_normal();
  if (rel.empty() || rel == ".") return {context};  // the whole context, Dockerfile included (as docker does)
  if (*rel.begin() == "..") return {};
  if (source.find_first_of("*?[") == std::string::npos) return {context / rel};
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(context))
    if (fnmatch(rel.string().c_str(), fs::relative(e.path(), context).string().c_str(), FNM_PATHNAME) == 0)
      out.push_back(e.path());
  return out;
}

}  // namespace

void materialise_workdir(const Dockerfile& d, const fs::path& context, const fs::path& workdir, const fs::path& repo,
                         std::vector<std::string>& notes) {
  fs::create_directories(repo);
  for (const auto& c : d.copies) {
    const fs::path dest = fs::path(c.dest).lexically_normal();
    const auto rel = dest.lexically_relative(workdir);
    if (rel.empty() || *rel.begin() == "..") {
      notes.push_back(fmt::format("Dockerfile line {}: {} is outside the workdir {}, not reproduced", c.line, c.dest,
                                  workdir.string()));
      continue;
    }
    const bool into_dir = c.dest.back() == '/' || c.sources.size() > 1 || rel == ".";
    for (const auto& s : c.sources) {
      const auto found = expand_source(context, s);
      if (found.empty()) notes.push_back(fmt::format("Dockerfile line {}: {} matches nothing in the build context", c.line, s));
      for (const auto& f : found) {
        if (!fs::exists(fs::symlink_status(f))) {
          notes.push_back(fmt::format("Dockerfile line {}: {} is not in the build context", c.line, s));
          continue;
        }
        const bool dir = fs::is_directory(fs::symlink_status(f));
        const auto target = dir ? repo / rel : (into_dir || found.size() > 1 ? repo / rel / f.filename() : repo / rel);
        copy_plain(f, target.lexically_normal(), notes);
      }
    }
  }
}

}  // namespace agentrace::interop
