// Names in git's diff headers: pure string work, shared by the changed-files list and
// grading's diff parser (and built alone into the fuzz targets).
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "workspace/workspace.hpp"

namespace agentrace::workspace {
namespace {

// Git's C-quoted name ("a/x\ty") starting at s[i]; i ends after the closing quote.
std::string unquote(const std::string& s, std::size_t& i) {
  static const std::string from = "abtnvfr", to = "\a\b\t\n\v\f\r";
  std::string out;
  for (++i; i < s.size() && s[i] != '"'; ++i) {
    if (s[i] != '\\' || i + 1 >= s.size()) {
      out += s[i];
      continue;
    }
    const char c = s[++i];
    if (c >= '0' && c <= '7' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i, 3), nullptr, 8));
      i += 2;
    } else {
      const auto k = from.find(c);
      out += k == std::string::npos ? c : to[k];
    }
  }
  ++i;
  return out;
}

}  // namespace

// The b/ path of a `diff --git a/X b/Y` line; X == Y without renames, which lets names
// with spaces split in the middle.
std::string diff_header_path(const std::string& line) {
  const std::string rest = line.substr(11);
  std::size_t i = 0;
  if (!rest.empty() && rest[0] == '"') {
    unquote(rest, i);
    ++i;  // the space between the names
    const auto b = i < rest.size() && rest[i] == '"' ? unquote(rest, i) : rest.substr(std::min(i, rest.size()));
    return b.substr(std::min<std::size_t>(2, b.size()));
  }
  const auto n = rest.size() >= 5 ? (rest.size() - 5) / 2 : 0;
  if (rest.size() >= 5 && rest.compare(2 + n, 3, " b/") == 0) return rest.substr(2, n);
  const auto b = rest.find(" b/");
  return b == std::string::npos ? rest.substr(std::min<std::size_t>(2, rest.size())) : rest.substr(b + 3);
}

std::vector<std::string> diff_paths(const std::string& diff) {
  std::set<std::string> paths;
  std::istringstream in(diff);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("diff --git ", 0) == 0) paths.insert(diff_header_path(line));
  }
  return {paths.begin(), paths.end()};
}

}  // namespace agentrace::workspace
