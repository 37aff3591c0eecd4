#include "grade/harness.hpp"

#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/unique-fd.hpp"
#include "grade/hygiene.hpp"
#include "workspace/workspace.hpp"

namespace agentrace::grade {
namespace fs = std::filesystem;
namespace {

// Top-level names Python imports before the working folder's own modules would be shadowed
// by: the standard library (sys.stdlib_module_names of 3.11) and the test runners.
constexpr const char* kPythonModules =
    "abc aifc argparse array ast asynchat asyncio asyncore atexit audioop base64 bdb binascii bisect builtins "
    "bz2 cProfile calendar cgi cgitb chunk cmath cmd code codecs codeop collections colorsys compileall "
    "concurrent configparser contextlib contextvars copy copyreg crypt csv ctypes curses dataclasses datetime "
    "dbm decimal difflib dis distutils doctest email encodings ensurepip enum errno faulthandler fcntl filecmp "
    "fileinput fnmatch fractions ftplib functools gc genericpath getopt getpass gettext glob graphlib grp gzip "
    "hashlib heapq hmac html http imaplib imghdr imp importlib inspect io ipaddress itertools json keyword "
    "lib2to3 linecache locale logging lzma mailbox mailcap marshal math mimetypes mmap modulefinder "
    "multiprocessing netrc nis nntplib numbers opcode operator optparse os ossaudiodev pathlib pdb pickle "
    "pickletools pipes pkgutil platform plistlib poplib posix posixpath pprint profile pstats pty pwd "
    "py_compile pyclbr pydoc pyexpat queue quopri random re readline reprlib resource rlcompleter runpy "
    "sched secrets select selectors shelve shlex shutil signal site smtpd smtplib sndhdr socket socketserver "
    "spwd sqlite3 sre_compile sre_constants sre_parse ssl stat statistics string stringprep struct subprocess "
    "sunau symtable sys sysconfig syslog tabnanny tarfile telnetlib tempfile termios textwrap threading time "
    "timeit tkinter token tokenize tomllib trace traceback tracemalloc tty turtle types typing unicodedata "
    "unittest urllib uu uuid venv warnings wave weakref webbrowser wsgiref xdrlib xml xmlrpc zipapp zipfile "
    "zipimport zlib zoneinfo pytest _pytest pluggy py nose nose2 hypothesis coverage setuptools pkg_resources";

std::vector<std::string> parts_of(const std::string& path) {
  std::vector<std::string> out;
  std::istringstream in(path);
  for (std::string p; std::getline(in, p, '/');) out.push_back(p);
  return out;
}

bool match_parts(const std::vector<std::string>& glob, std::size_t g, const std::vector<std::string>& path,
                 std::size_t p, std::size_t end) {
  if (g == glob.size()) return p == end;
  if (glob[g] == "**") {
    for (std::size_t q = p; q <= end; ++q)
      if (match_parts(glob, g + 1, path, q, end)) return true;
    return false;
  }
  return p < end && fnmatch(glob[g].c_str(), path[p].c_str(), 0) == 0 && match_parts(glob, g + 1, path, p + 1, end);
}

// a == b, or one is a folder holding the other.
bool related(const std::string& a, const std::string& b) {
  const auto& [shorter, longer] = a.size() <= b.size() ? std::tie(a, b) : std::tie(b, a);
  return longer.compare(0, shorter.size(), shorter) == 0 &&
         (longer.size() == shorter.size() || longer[shorter.size()] == '/');
}

bool unsafe(const std::string& path) {
  if (path.empty() || path.front() == '/') return true;
  for (const auto& p : parts_of(path))
    if (p.empty() || p == "." || p == ".." || p == ".git") return true;
  return false;
}

// Relative paths named in the test commands (`bash run-tests.sh`, `build/unit_tests`).
std::set<std::string> named_paths(const suite::Task& task) {
  static const std::regex word(R"([A-Za-z0-9_.][A-Za-z0-9_./+-]*)");
  std::set<std::string> out;
  auto scan = [&](const std::string& cmd) {
    for (std::sregex_iterator it(cmd.begin(), cmd.end(), word), end; it != end; ++it) {
      auto w = it->str();
      if (w.rfind("./", 0) == 0) w = w.substr(2);
      while (!w.empty() && w.back() == '/') w.pop_back();
      if (w.find_first_of("./") != std::string::npos && !unsafe(w)) out.insert(w);
    }
  };
  if (task.setup) scan(*task.setup);
  for (const auto& t : task.tests) scan(t.cmd);
  return out;
}

// A file of test cases (its changes are restored without a flag), not a helper or runner.
bool is_test_case(const std::string& path) {
  static const std::regex name(R"(^test[_-].*|.*_test\.[A-Za-z0-9]+|.*\.(test|spec)\.[A-Za-z0-9]+|.+Tests?\.java)");
  return std::regex_match(fs::path(path).filename().string(), name);
}

// A new module at the root or beside a hidden test that Python would import instead of
// the standard library's or a runner's: unittest.py, unittest/__main__.py, re.cpython-311.so.
std::optional<std::string> python_shadow(const std::string& path, const std::set<std::string>& folders) {
  static const auto names = [] {
    std::set<std::string> s;
    std::istringstream in(kPythonModules);
    for (std::string n; in >> n;) s.insert(n);
    return s;
  }();
  for (const auto& folder : folders) {
    if (!folder.empty() && path.rfind(folder + "/", 0) != 0) continue;
    const auto rest = parts_of(folder.empty() ? path : path.substr(folder.size() + 1));
    const auto& first = rest.front();
    const auto stem = first.substr(0, first.find('.'));
    const auto ext = fs::path(rest.size() == 1 ? first : path).extension();
    const bool module = ext == ".py" || (rest.size() == 1 && (ext == ".pyc" || ext == ".so" || ext == ".pyd"));
    if (module && names.count(stem)) return fmt::format("shadows the Python module '{}'", stem);
  }
  return std::nullopt;
}

struct Rules {
  std::vector<std::string> hidden;
  std::set<std::string> tops;     // top folders of the hidden tests
  std::set<std::string> folders;  // root and the hidden tests' folders (python shadowing)
  std::set<std::string> named;
};

Rules rules_of(const suite::Task& task) {
  Rules r{hidden_test_paths(task), {}, {""}, named_paths(task)};
  for (const auto& h : r.hidden) {
    const auto parts = parts_of(h);
    if (parts.size() > 1) r.tops.insert(parts.front());
    r.folders.insert(fs::path(h).parent_path().string());
  }
  return r;
}

enum class Verdict { keep, restore, tamper };

Verdict judge(const suite::Task& task, const Rules& r, const DiffFile& f, std::string& why) {
  const auto& p = f.path;
  const auto any = [&](const auto& paths) {
    return std::any_of(paths.begin(), paths.end(), [&](const std::string& h) { return related(h, p); });
  };
  if (unsafe(p)) why = "an absolute path, '..' or .git";
  else if (any(r.hidden)) why = "a hidden test's path";
  else if (any(r.named)) why = "named by a test command";
  for (const auto& g : task.protected_globs)
    if (why.empty() && glob_match(g, p)) why = "protected: " + g;
  if (why.empty() && f.added && task.language == "python")
    if (auto shadow = python_shadow(p, r.folders)) why = *shadow;
  const auto top = parts_of(p).front();
  if (why.empty() && !f.added && r.tops.count(top) && p != top) {
    if (is_test_case(p)) return Verdict::restore;
    why = fmt::format("the hidden tests' harness in {}/", top);
  }
  return why.empty() ? Verdict::keep : Verdict::tamper;
}

// openat() from the checkout down, with O_NOFOLLOW at every step.
void place_file(const fs::path& checkout, const fs::path& rel, const std::string& data, mode_t mode) {
  auto refuse = [&](const std::string& what) {
    throw core::InfraError(fmt::format("grading: the hidden test {} was not placed: {}", rel.string(), what));
  };
  core::UniqueFd dir(open(checkout.c_str(), O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir) refuse("the checkout cannot be opened");
  for (const auto& part : rel.parent_path()) {
    if (mkdirat(dir.get(), part.c_str(), 0755) != 0 && errno != EEXIST) refuse(fmt::format("cannot make {}", part.string()));
    core::UniqueFd next(openat(dir.get(), part.c_str(), O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next) refuse(fmt::format("{} is a link or not a folder", part.string()));
    dir = std::move(next);
  }
  const core::UniqueFd out(openat(dir.get(), rel.filename().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode));
  if (!out) refuse("its path is a link or not a file");
  fchmod(out.get(), mode);
  for (std::size_t done = 0; done < data.size();) {
    const auto n = write(out.get(), data.data() + done, data.size() - done);
    if (n <= 0) refuse("write failed");
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

bool glob_match(const std::string& glob, const std::string& path) {
  auto g = glob;
  while (g.size() > 1 && g.back() == '/') g.pop_back();
  if (g.front() == '/') {
    g.erase(0, 1);
  } else if (g.find('/') == std::string::npos) {
    g = "**/" + g;
  }
  const auto pattern = parts_of(g);
  const auto parts = parts_of(path);
  for (std::size_t end = 1; end <= parts.size(); ++end)
    if (match_parts(pattern, 0, parts, 0, end)) return true;
  return false;
}

std::vector<std::string> hidden_test_paths(const suite::Task& task) {
  std::vector<std::string> out;
  if (task.hidden_at) return out;  // shown outside the repository, never written into it
  const auto add_files = [&](const fs::path& dir) {
    for (const auto& e : fs::recursive_directory_iterator(dir))
      if (!e.is_directory()) out.push_back(fs::relative(e.path(), dir).generic_string());
  };
  if (task.hidden_kind == suite::HiddenKind::patch) {
    for (const auto& f : parse_diff(core::read_file(task.hidden))) out.push_back(f.path);
    if (!task.hidden_support.empty()) add_files(task.hidden_support);
  } else {
    add_files(task.hidden);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

ScreenedDiff screen_diff(const suite::Task& task, const std::string& diff) {
  const auto r = rules_of(task);
  const auto files = parse_diff(diff);
  // A path's verdict is the strictest of its sections (a type change is a deletion and an addition).
  std::map<std::string, std::pair<Verdict, std::string>> verdicts;
  for (const auto& f : files) {
    std::string why;
    const auto v = judge(task, r, f, why);
    auto& [best, reason] = verdicts[f.path];
    if (v > best) best = v, reason = why;
  }
  ScreenedDiff out;
  for (const auto& f : files) {
    const auto& [v, why] = verdicts[f.path];
    if (v == Verdict::keep) out.kept += f.text;
  }
  for (const auto& [path, v] : verdicts) {
    if (v.first == Verdict::tamper) out.tampered.push_back({path, v.second});
    if (v.first == Verdict::restore) out.restored.push_back(path);
  }
  return out;
}

std::string touches_text(const std::vector<Touch>& touches) {
  std::string out;
  for (std::size_t i = 0; i < touches.size() && i < 5; ++i)
    out += fmt::format("{}{} ({})", i ? ", " : "", touches[i].path, touches[i].why);
  if (touches.size() > 5) out += fmt::format(" and {} more", touches.size() - 5);
  return out;
}

void place_hidden_tests(const suite::Task& task, const fs::path& checkout) {
  const bool patch = task.hidden_kind == suite::HiddenKind::patch;
  if (patch) workspace::apply_patch(checkout, task.hidden);  // git apply writes nothing beyond a link
  const auto& folder = patch ? task.hidden_support : task.hidden;
  if (folder.empty()) return;
  for (const auto& e : fs::recursive_directory_iterator(folder)) {
    const auto rel = fs::relative(e.path(), folder);
    if (e.is_symlink() || (!e.is_directory() && !e.is_regular_file()))
      throw core::InfraError(fmt::format("grading: {} is not a plain file: hidden tests must be files and folders",
                                         e.path().string()));
    if (e.is_regular_file())
      place_file(checkout, rel, core::read_file(e.path()),
                 static_cast<mode_t>(fs::status(e.path()).permissions() & fs::perms::all));
  }
}

}  // namespace agentrace::grade
