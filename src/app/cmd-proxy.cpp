// `agentrace proxy --upstream URL`: the recording proxy on its own. Every path is
// forwarded to the upstream (routes /r/<id>/ are for races). One JSON line per call goes
// to --record FILE (stdout by default), and with --cassette FILE one cassette line per
// call (what `agentrace sim --replay` serves); a short line per call and the listening
// address go to stderr. Runs until SIGINT or SIGTERM.
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "app/commands.hpp"
#include "core/error.hpp"
#include "proxy/proxy.hpp"
#include "proxy/sink-thread.hpp"

namespace agentrace::app {
namespace {

struct ProxyArgs {
  std::string upstream;
  std::string listen = "127.0.0.1:0";
  std::string unix_path;
  std::string key_env;
  std::string record = "-";
  std::string cassette;
  std::string ca_file;
  double stall_s = 300;
  bool quiet = false;
  bool listen_given = false;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
};

std::string summary(const proxy::CallRecord& r) {
  return fmt::format("{} {} -> {} {} ttft {:.1f} ms, end {:.1f} ms, {} chunks, in/out {}/{} tokens{}", r.method,
                     r.path, r.status, r.model.empty() ? "-" : r.model, r.first_content_ms, r.end_ms, r.chunks.size(),
                     r.input_tokens.value_or(-1), r.output_tokens.value_or(-1),
                     r.error == proxy::ErrorClass::none ? "" : fmt::format(" [{}: {}]", proxy::error_class_name(r.error), r.error_detail));
}

proxy::ProxyOptions options_of(const ProxyArgs& a) {
  proxy::ProxyOptions o;
  o.listen.clear();
  try {
    if (a.listen_given || a.unix_path.empty()) o.listen.push_back(net::parse_listen(a.listen));
  } catch (const std::invalid_argument& e) {
    throw core::UsageError(std::string("--listen: ") + e.what());
  }
  if (!a.unix_path.empty()) o.listen.push_back(net::ListenSpec{"", 0, a.unix_path});
  o.default_route = proxy::Route{"", "", a.upstream, a.key_env, {}};
  if (!a.cassette.empty()) {
    auto file = std::make_shared<proxy::CassetteFile>(a.cassette);
    o.default_route->cassette = [file](proxy::CassetteCall call) { file->append(call); };
  }
  o.stall_timeout = std::chrono::milliseconds(static_cast<long>(a.stall_s * 1000));
  o.client.ca_file = a.ca_file;
  o.threads = std::max(1u, a.threads);
  return o;
}

void run_proxy(const ProxyArgs& a) {
  std::ofstream file;
  if (a.record != "-") {
    file.open(a.record, std::ios::app);
    if (!file) throw core::UsageError("--record: cannot write " + a.record);
  }
  std::ostream* out = a.record == "-" ? nullptr : &file;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // the proxy's thread inherits this mask

  auto sink = [out, quiet = a.quiet](proxy::CallRecord r) {
    const auto line = proxy::to_json_line(r);
    if (out) {
      *out << line << '\n' << std::flush;
    } else {
      std::fwrite(line.data(), 1, line.size(), stdout);
      std::fputc('\n', stdout);
      std::fflush(stdout);
    }
    if (!quiet) fmt::print(stderr, "{}\n", summary(r));
  };
  proxy::SinkThread writer(sink);  // JSON and file writes off the relaying loops
  proxy::Proxy proxy(options_of(a), writer.sink());
  const auto where = proxy.url().empty() ? "unix:" + a.unix_path : proxy.url();
  fmt::print(stderr, "agentrace proxy: listening on {}{} -> {}\n", where,
             a.unix_path.empty() || proxy.url().empty() ? "" : " and unix:" + a.unix_path, a.upstream);
  int sig = 0;
  sigwait(&set, &sig);
  proxy.stop();
}

}  // namespace

void register_proxy(CLI::App& app) {
  auto a = std::make_shared<ProxyArgs>();
  auto* cmd = app.add_subcommand("proxy", "Recording reverse proxy in front of a model endpoint");
  cmd->add_option("--upstream", a->upstream, "Base URL of the model endpoint (http:// or https://)")->required();
  auto* listen = cmd->add_option("--listen", a->listen, "host:port to listen on (port 0 picks one)")->capture_default_str();
  cmd->add_option("--unix", a->unix_path, "Also (or only, without --listen) listen on this Unix socket");
  cmd->add_option("--key-env", a->key_env, "Environment variable with the real API key to inject");
  cmd->add_option("--record", a->record, "Append one JSON line per call to this file ('-': stdout)")->capture_default_str();
  cmd->add_option("--cassette", a->cassette, "Also write each call's response as a cassette line (replay: agentrace sim --replay)");
  cmd->add_option("--stall-timeout", a->stall_s, "Cut a call after this many seconds without an upstream byte")
      ->capture_default_str();
  cmd->add_option("--ca-file", a->ca_file, "Extra trusted CA certificates (PEM) for the upstream");
  cmd->add_option("--threads", a->threads, "Event loops relaying calls (default: one a core)");
  cmd->add_flag("-q,--quiet", a->quiet, "No per-call line on stderr");
  cmd->callback([a, listen] {
    a->listen_given = listen->count() > 0;
    run_proxy(*a);
  });
}

}  // namespace agentrace::app
