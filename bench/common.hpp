#pragma once
// What the benches share: `agentrace sim` and `agentrace proxy` as child processes (the
// shipped commands, not code linked into the bench), a child's CPU time, the load average
// printed beside every figure (the machine is shared: a figure without it means little),
// and comma lists of numbers from flags.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

namespace agentrace::bench {

namespace fs = std::filesystem;

inline std::string slurp(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline int sh(const std::string& command) {
  const int rc = std::system(("bash -c '" + command + "'").c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

// "1,64,1000" -> {1, 64, 1000}
inline std::vector<int> int_list(const std::string& value) {
  std::vector<int> out;
  for (std::size_t pos = 0; pos < value.size();) {
    const auto comma = value.find(',', pos);
    out.push_back(std::stoi(value.substr(pos, comma - pos)));
    pos = comma == std::string::npos ? value.size() : comma + 1;
  }
  return out;
}

// The first three fields of /proc/loadavg: "1.02 0.87 0.66".
inline std::string loadavg() {
  const std::string all = slurp("/proc/loadavg");
  std::size_t end = 0;
  for (int i = 0; i < 3 && end != std::string::npos; ++i) end = all.find(' ', end + 1);
  return all.substr(0, end);
}

// User + system CPU seconds of a process so far (0 if it is gone).
inline double cpu_seconds_of(int pid) {
  const std::string stat = slurp(fmt::format("/proc/{}/stat", pid));
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);  // utime, stime
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// The agentrace binary the benches drive: $AGENTRACE_BIN when set (to compare another
// build with the same bench), else the one built beside them.
inline std::string agentrace_bin() {
  const char* bin = std::getenv("AGENTRACE_BIN");
  return bin && *bin ? bin : AGENTRACE_BIN;
}

// A command in the background for as long as this object lives; its address is the
// first thing it prints: a line on stdout (sim) or "listening on URL" on stderr (proxy).
class Child {
 public:
  Child(const fs::path& dir, const std::string& name, const std::string& args) : dir_(dir), name_(name) {
    const auto base = (dir / name).string();
    sh(fmt::format("{} {} > {}.out 2> {}.err & echo $! > {}.pid", agentrace_bin(), args, base, base, base));
    pid_ = std::stoi(slurp(dir / (name + ".pid")));
    for (int i = 0; i < 1000 && url_.empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      url_ = find_url();
    }
    if (url_.empty()) throw std::runtime_error(name + " did not start: " + slurp(dir / (name + ".err")));
  }
  ~Child() {
    ::kill(pid_, SIGTERM);
    sh(fmt::format("while kill -0 {} 2>/dev/null; do sleep 0.02; done", pid_));
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  const std::string& url() const { return url_; }
  int pid() const { return pid_; }
  double cpu_seconds() const { return cpu_seconds_of(pid_); }
  std::string err() const { return slurp(dir_ / (name_ + ".err")); }

 private:
  std::string find_url() const {
    const std::string out = slurp(dir_ / (name_ + ".out"));
    if (out.ends_with('\n')) return out.substr(0, out.find('\n'));
    const std::string err = slurp(dir_ / (name_ + ".err"));
    const auto at = err.find("listening on ");
    if (at == std::string::npos) return {};
    const auto end = err.find_first_of(" \n", at + 13);
    return end == std::string::npos ? std::string{} : err.substr(at + 13, end - at - 13);
  }

  fs::path dir_;
  std::string name_;
  int pid_ = 0;
  std::string url_;
};

// `agentrace sim` with a profile and the `agentrace proxy` command in front of it.
struct SimBehindProxy {
  SimBehindProxy(const fs::path& dir, const std::string& name, const std::string& profile)
      : sim(dir, name + "-sim", "sim -q --profile " + profile),
        proxy(dir, name + "-proxy", "proxy -q --record /dev/null --upstream " + sim.url()) {}
  Child sim, proxy;
};

// wrk -t1 posting dir/post.lua's request to url's chat completions: its requests/s.
inline double wrk_rps(const fs::path& dir, const std::string& url, int connections, double seconds) {
  sh(fmt::format("wrk -t1 -c{} -d{}s -s {}/post.lua {}/v1/chat/completions > {}/wrk.txt 2>&1", connections,
                 std::max(1L, std::lround(seconds)), dir.string(), url, dir.string()));
  const std::string out = slurp(dir / "wrk.txt");
  const auto at = out.find("Requests/sec:");
  if (at == std::string::npos) throw std::runtime_error("wrk failed (is it installed? apt-get install -y wrk):\n" + out);
  return std::stod(out.substr(at + 13));
}

}  // namespace agentrace::bench
