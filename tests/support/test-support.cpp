#include "support/test-support.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "core/fs.hpp"

namespace agentrace::test {

std::filesystem::path binary() { return AGENTRACE_BIN; }
std::filesystem::path source_dir() { return AGENTRACE_SOURCE_DIR; }
std::filesystem::path data_dir() { return AGENTRACE_TEST_DATA; }
std::filesystem::path golden_dir() { return AGENTRACE_GOLDEN_DIR; }

CommandResult run_command(const std::string& command) {
  core::TempDir tmp("agentrace-cmd");
  const auto out = tmp.path() / "out";
  const auto err = tmp.path() / "err";
  // The command goes to a script file so it needs no quoting.
  const auto script = tmp.path() / "cmd.sh";
  core::write_file(script, command + "\n");
  const int status = std::system(
      fmt::format("bash {} >{} 2>{}", script.string(), out.string(), err.string()).c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = core::read_file(out);
  r.err = core::read_file(err);
  return r;
}

Process::Process(const std::vector<std::string>& argv, const std::filesystem::path& out,
                 const std::filesystem::path& err) {
  pid_ = fork();
  if (pid_ != 0) return;
  if ((!out.empty() && !std::freopen(out.c_str(), "w", stdout)) ||
      (!err.empty() && !std::freopen(err.c_str(), "w", stderr)) || !std::freopen("/dev/null", "r", stdin))
    _exit(126);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execv(args[0], args.data());
  _exit(127);
}

Process::~Process() {
  if (pid_ > 0) stop();
}

int Process::stop() {
  if (pid_ <= 0) return -1;  // already waited for: never kill(-1)
  kill(pid_, SIGTERM);
  return wait();
}

int Process::wait() {
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string wait_for(const std::filesystem::path& file, const std::string& marker, std::chrono::milliseconds timeout) {
  constexpr auto kStep = std::chrono::milliseconds(10);
  for (auto waited = std::chrono::milliseconds(0); waited < timeout; waited += kStep) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    if (text.str().find(marker) != std::string::npos) return text.str();
    std::this_thread::sleep_for(kStep);
  }
  return {};
}

std::string compare_golden(const std::string& name, const std::string& actual) {
  const auto path = golden_dir() / name;
  if (const char* u = std::getenv("AGENTRACE_UPDATE_GOLDEN"); u && std::string(u) == "1") {
    core::write_file(path, actual);
    return {};
  }
  std::string expected;
  try {
    expected = core::read_file(path);
  } catch (...) {
    return fmt::format("golden file {} missing; run with AGENTRACE_UPDATE_GOLDEN=1 to create it",
                       path.string());
  }
  if (expected == actual) return {};
  std::size_t i = 0;
  while (i < expected.size() && i < actual.size() && expected[i] == actual[i]) ++i;
  return fmt::format("differs from {} at byte {}:\nexpected: {}\nactual:   {}", path.string(), i,
                     expected.substr(i, 80), actual.substr(i, 80));
}

std::string bash_rootfs_script(const std::filesystem::path& root) {
  return fmt::format(
      "r={0}; mkdir -p $r/usr/bin $r/usr/lib/x86_64-linux-gnu $r/usr/lib64 $r/etc; "
      "ln -s usr/bin $r/bin; ln -s usr/lib $r/lib; ln -s usr/lib64 $r/lib64; cp /usr/bin/bash $r/usr/bin/; "
      "cp /lib/x86_64-linux-gnu/libtinfo.so.6 /lib/x86_64-linux-gnu/libc.so.6 $r/usr/lib/x86_64-linux-gnu/; "
      "cp /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 $r/usr/lib64/; echo image > $r/etc/image-marker; ",
      root.string());
}

}  // namespace agentrace::test
