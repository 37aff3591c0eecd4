#include "agent/tools.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "agent/shell.hpp"

namespace agentrace::agent {
namespace fs = std::filesystem;
using Json = nlohmann::json;
using OJson = nlohmann::ordered_json;

namespace {

// A tool failure the model can act on; its message is the tool result.
class ToolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

OJson schema(OJson properties, std::vector<std::string> required) {
  return OJson{{"type", "object"}, {"properties", std::move(properties)}, {"required", std::move(required)}};
}

OJson prop(const char* type, const char* description) { return OJson{{"type", type}, {"description", description}}; }

std::string string_arg(const Json& args, const char* key) {
  const auto it = args.find(key);
  if (it == args.end() || !it->is_string())
    throw ToolError(fmt::format("missing required string argument '{}'", key));
  return it->get<std::string>();
}

std::size_t count_arg(const Json& args, const char* key, std::size_t fallback) {
  const auto it = args.find(key);
  if (it == args.end() || it->is_null()) return fallback;
  if (!it->is_number_integer() || it->get<long long>() < 0)
    throw ToolError(fmt::format("argument '{}' must be a non-negative integer", key));
  return it->get<std::size_t>();
}

std::string slurp(const fs::path& path, const std::string& shown) {
  if (fs::is_directory(path)) throw ToolError(fmt::format("{} is a folder; use list_files", shown));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ToolError(fmt::format("cannot read {}: no such file", shown));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void spill(const fs::path& path, const std::string& data, const std::string& shown) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  if (!out) throw ToolError(fmt::format("cannot write {}", shown));
}

std::size_t count_occurrences(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + needle.size())) ++n;
  return n;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const auto len = nl == std::string_view::npos ? text.size() : nl + 1;
    lines.push_back(text.substr(0, len));
    text.remove_prefix(len);
  }
  return lines;
}

ToolOutput ok(std::string text) { return ToolOutput{std::move(text), 0, false}; }

}  // namespace

const std::vector<ToolSpec>& tool_specs() {
  static const std::vector<ToolSpec> specs = {
      {"bash", "Run a shell command with bash -c in the repository folder and return its output and exit code.",
       schema({{"command", prop("string", "The command to run")}}, {"command"})},
      {"read_file", "Read a text file. Paths are relative to the repository folder.",
       schema({{"path", prop("string", "File path, relative to the repository folder")},
               {"offset", prop("integer", "First line to read, 1-based (default 1)")},
               {"limit", prop("integer", "How many lines to read (default 2000)")}},
              {"path"})},
      {"write_file", "Create or overwrite a file with the given content.",
       schema({{"path", prop("string", "File path, relative to the repository folder")},
               {"content", prop("string", "The whole new content of the file")}},
              {"path", "content"})},
      {"edit", "Replace one exact occurrence of old_string with new_string in a file. old_string must match "
               "the file exactly (whitespace included) and occur exactly once.",
       schema({{"path", prop("string", "File path, relative to the repository folder")},
               {"old_string", prop("string", "The exact text to replace")},
               {"new_string", prop("string", "The text to put in its place")}},
              {"path", "old_string", "new_string"})},
      {"list_files", "List the files under a folder, recursively (skips .git).",
       schema({{"path", prop("string", "Folder, relative to the repository folder (default: the repository)")}}, {})},
  };
  return specs;
}

Tools::Tools(fs::path workdir, ToolLimits limits) : workdir_(fs::canonical(workdir)), limits_(limits) {}

ToolOutput Tools::run(const std::string& name, const std::string& arguments) {
  try {
    const Json args = arguments.empty() ? Json::object() : Json::parse(arguments);
    if (!args.is_object()) throw ToolError("the arguments must be a JSON object");
    if (name == "bash") return bash(args);
    if (name == "read_file") return read_file(args);
    if (name == "write_file") return write_file(args);
    if (name == "edit") return edit(args);
    if (name == "list_files") return list_files(args);
    throw ToolError(fmt::format("unknown tool '{}'; the tools are bash, read_file, write_file, edit, list_files", name));
  } catch (const Json::exception& e) {
    return ToolOutput{fmt::format("error: the arguments are not valid JSON ({})", e.what()), 1, true};
  } catch (const std::exception& e) {
    return ToolOutput{fmt::format("error: {}", e.what()), 1, true};
  }
}

fs::path Tools::resolve(const std::string& path) const {
  if (path.empty()) throw ToolError("the path is empty");
  const fs::path p(path);
  const fs::path full = fs::weakly_canonical(p.is_absolute() ? p : workdir_ / p);
  const fs::path rel = full.lexically_relative(workdir_);
  if (rel.empty() || *rel.begin() == "..")
    throw ToolError(fmt::format("{} is outside the repository folder {}; use a path inside it", path, workdir_.string()));
  return full;
}

ToolOutput Tools::bash(const Json& args) {
  const auto r = run_shell(string_arg(args, "command"), workdir_, limits_.bash_timeout, limits_.output_cap);
  std::string text = r.output.empty() ? "(no output)\n" : r.output;
  if (!text.ends_with('\n')) text += '\n';
  if (r.timed_out) {
    text += fmt::format("[timed out after {} s; the command was killed]", limits_.bash_timeout.count() / 1000);
  } else {
    text += fmt::format("[exit code {}]", r.exit_code);
  }
  return ToolOutput{std::move(text), r.exit_code, r.timed_out || r.exit_code != 0};
}

ToolOutput Tools::read_file(const Json& args) {
  const std::string shown = string_arg(args, "path");
  const std::string data = slurp(resolve(shown), shown);
  if (data.empty()) return ok("(empty file)");
  if (data.substr(0, 8192).find('\0') != std::string::npos)
    return ToolOutput{fmt::format("{} is a binary file ({} bytes)", shown, data.size()), 1, true};
  const auto lines = split_lines(data);
  const std::size_t first = std::max<std::size_t>(count_arg(args, "offset", 1), 1);
  const std::size_t limit = count_arg(args, "limit", limits_.read_lines);
  if (first > lines.size()) throw ToolError(fmt::format("{} has only {} lines", shown, lines.size()));
  std::string text;
  std::size_t last = first - 1;
  while (last < lines.size() && last - (first - 1) < limit && text.size() + lines[last].size() <= limits_.output_cap)
    text += lines[last++];
  if (last == first - 1) text = cap_middle(std::string(lines[last++]), limits_.output_cap);  // one huge line
  if (first > 1 || last < lines.size()) {
    if (!text.ends_with('\n')) text += '\n';
    text += fmt::format("[lines {}-{} of {}; pass offset and limit to read other lines]", first, last, lines.size());
  }
  return ok(std::move(text));
}

ToolOutput Tools::write_file(const Json& args) {
  const std::string shown = string_arg(args, "path");
  const std::string content = string_arg(args, "content");
  spill(resolve(shown), content, shown);
  return ok(fmt::format("wrote {} bytes to {}", content.size(), shown));
}

ToolOutput Tools::edit(const Json& args) {
  const std::string shown = string_arg(args, "path");
  const std::string old_string = string_arg(args, "old_string");
  const std::string new_string = string_arg(args, "new_string");
  if (old_string.empty()) throw ToolError("old_string is empty; to create a file use write_file");
  const fs::path path = resolve(shown);
  std::string data = slurp(path, shown);
  const std::size_t n = count_occurrences(data, old_string);
  if (n == 0)
    throw ToolError(fmt::format("old_string was not found in {}; read the file and copy the text exactly, "
                                "whitespace included", shown));
  if (n > 1)
    throw ToolError(fmt::format("old_string occurs {} times in {}; include more surrounding lines so that it "
                                "matches exactly once", n, shown));
  data.replace(data.find(old_string), old_string.size(), new_string);
  spill(path, data, shown);
  return ok(fmt::format("edited {}", shown));
}

ToolOutput Tools::list_files(const Json& args) {
  const auto it = args.find("path");
  const std::string shown = it != args.end() && it->is_string() && !it->get<std::string>().empty()
                                ? it->get<std::string>() : ".";
  const fs::path root = resolve(shown);
  if (!fs::is_directory(root)) throw ToolError(fmt::format("{} is not a folder", shown));
  std::vector<std::string> entries;
  const auto opts = fs::directory_options::skip_permission_denied;
  for (auto i = fs::recursive_directory_iterator(root, opts); i != fs::recursive_directory_iterator(); ++i) {
    if (i->path().filename() == ".git") {
      i.disable_recursion_pending();
      continue;
    }
    const bool dir = i->is_directory() && !i->is_symlink();
    entries.push_back(i->path().lexically_relative(root).string() + (dir ? "/" : ""));
  }
  std::sort(entries.begin(), entries.end());
  std::string text;
  const std::size_t shown_n = std::min(entries.size(), limits_.list_entries);
  for (std::size_t k = 0; k < shown_n; ++k) text += entries[k] + "\n";
  if (entries.size() > shown_n) text += fmt::format("[... {} more entries not shown]\n", entries.size() - shown_n);
  return ok(text.empty() ? "(empty folder)" : cap_middle(text, limits_.output_cap));
}

}  // namespace agentrace::agent
