// `agentrace review`: blind human grading in the browser. Serves a page on loopback
// only; every request must carry the random token printed with the URL.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/commands.hpp"
#include "app/common.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/fs.hpp"
#include "grade/review.hpp"
#include "net/server.hpp"
#include "proc/spawn.hpp"
#include "report/templates.hpp"
#include "store/store.hpp"

namespace agentrace::app {
namespace {

struct ReviewArgs {
  std::string db = "agentrace.db";
  std::string race;
  std::string reviewer;
  std::string listen = "127.0.0.1:0";
  std::string token;
  bool exit_when_done = false;
};

std::string query_param(const std::string& target, const std::string& name) {
  const auto q = target.find('?');
  if (q == std::string::npos) return {};
  std::string rest = target.substr(q + 1);
  std::size_t pos = 0;
  while (pos <= rest.size()) {
    auto amp = rest.find('&', pos);
    if (amp == std::string::npos) amp = rest.size();
    const auto kv = rest.substr(pos, amp - pos);
    if (kv.rfind(name + "=", 0) == 0) return kv.substr(name.size() + 1);
    pos = amp + 1;
  }
  return {};
}

bool is_loopback(const net::ListenSpec& l) {
  return !l.unix_path.empty() || l.host == "127.0.0.1" || l.host == "::1" || l.host == "localhost";
}

class ReviewService {
 public:
  ReviewService(store::Store& db, std::string race_id, std::string reviewer, std::string token, std::string page)
      : db_(db), race_id_(std::move(race_id)), reviewer_(std::move(reviewer)), token_(std::move(token)),
        page_(std::move(page)), done_(grade::review_queue(db_, race_id_, reviewer_).empty()) {}

  void handle(const std::shared_ptr<net::Exchange>& ex) {
    const auto& target = ex->request().target;
    const auto path = target.substr(0, target.find('?'));
    if (query_param(target, "token") != token_) {
      net::respond(*ex, 403, "forbidden: open the URL agentrace review printed (it carries the token)\n");
      return;
    }
    try {
      if (ex->request().method == "GET" && path == "/") {
        net::respond(*ex, 200, page_, "text/html; charset=utf-8");
      } else if (ex->request().method == "GET" && path == "/api/next") {
        net::respond(*ex, 200, next().dump(), "application/json");
      } else if (ex->request().method == "POST" && path == "/api/grade") {
        ex->read_all([this, ex](std::string body, const net::Error&) {
          try {
            net::respond(*ex, 200, grade(body).dump(), "application/json");
          } catch (const std::exception& e) {
            net::respond(*ex, 400, nlohmann::json{{"error", e.what()}}.dump(), "application/json");
          }
        }, 1 << 20);
      } else {
        net::respond(*ex, 404, "not found\n");
      }
    } catch (const std::exception& e) {
      net::respond(*ex, 500, nlohmann::json{{"error", e.what()}}.dump(), "application/json");
    }
  }

  // Polled by the main loop: kept up to date by grade() instead of reloading the race.
  bool done() const { return done_; }

 private:
  nlohmann::json next() {
    std::lock_guard g(mutex_);
    const auto queue = grade::review_queue(db_, race_id_, reviewer_);
    const auto reviewed = db_.reviews(race_id_);
    nlohmann::json out;
    out["reviewer"] = reviewer_;
    out["remaining"] = queue.size();
    out["reviewed"] = std::count_if(reviewed.begin(), reviewed.end(), [&](const auto& r) { return r.reviewer == reviewer_; });
    out["item"] = queue.empty() ? nlohmann::json() : grade::review_item(db_, race_id_, queue.front());
    return out;
  }

  nlohmann::json grade(const std::string& body) {
    const auto j = nlohmann::json::parse(body);
    const int g = j.at("grade").get<int>();
    if (g < 0 || g > 3) throw core::UsageError("grade must be 0-3");
    store::ReviewRow r{j.at("attempt_id").get<std::string>(), reviewer_, g, j.value("note", ""),
                       core::wall_now_rfc3339()};
    {
      std::lock_guard lock(mutex_);
      const auto queue = grade::review_queue(db_, race_id_, reviewer_);
      if (std::find(queue.begin(), queue.end(), r.attempt_id) == queue.end())
        throw core::UsageError("attempt " + r.attempt_id + " is not waiting for your review");
      db_.put_review(r);
      done_ = queue.size() == 1;  // the one just graded was the last
    }
    return {{"stored", true}, {"attempt_id", r.attempt_id}, {"grade", g}};
  }

  store::Store& db_;
  std::string race_id_, reviewer_, token_, page_;
  std::mutex mutex_;
  std::atomic<bool> done_;
};

}  // namespace

void register_review(CLI::App& app) {
  auto args = std::make_shared<ReviewArgs>();
  auto* cmd = app.add_subcommand("review", "Grade attempts blind in the browser (served on loopback with a token)");
  cmd->add_option("--db", args->db, "Results store (SQLite)")->capture_default_str();
  cmd->add_option("--race", args->race, "Race name or id (default: the latest race)");
  cmd->add_option("--reviewer", args->reviewer, "Your name, stored with each grade")->required();
  cmd->add_option("--listen", args->listen, "Loopback address to serve on")->capture_default_str();
  cmd->add_option("--token", args->token, "Use this token instead of a random one (tests)");
  cmd->add_flag("--exit-when-done", args->exit_when_done, "Stop once every attempt is reviewed");
  cmd->callback([args] {
    const auto listen = net::parse_listen(args->listen);
    if (!is_loopback(listen))
      throw core::UsageError(fmt::format("--listen {}: the review page serves loopback only (127.0.0.1 or ::1)",
                                         args->listen));
    if (!std::filesystem::exists(args->db))
      throw core::UsageError(fmt::format("--db {}: no such results store", args->db));
    store::Store db(args->db);
    const auto races = db.races();
    if (races.empty()) throw core::UsageError(fmt::format("--db {}: the store holds no race yet", args->db));
    const auto race = args->race.empty() ? std::optional(races.back()) : db.race(args->race);
    if (!race) throw core::UsageError(fmt::format("--race {}: not in {}", args->race, args->db));
    const auto page_file = report::templates_dir() / "review.html";
    const auto token = args->token.empty() ? core::random_hex(16) : args->token;
    ReviewService service(db, race->id, args->reviewer, token, core::read_file(page_file));
    net::EventLoop loop;
    net::Server server(loop, listen, [&service](std::shared_ptr<net::Exchange> ex) { service.handle(ex); });
    loop.start();
    fmt::print("{}/?token={}\n", server.url(), token);
    std::fflush(stdout);
    fmt::print(stderr, "review: race {} as {}; open the URL above; Ctrl-C to stop\n", race->name, args->reviewer);
    install_signal_handlers();
    while (!proc::cancel_requested()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      if (args->exit_when_done && service.done()) break;
    }
    server.close();
    loop.stop();
  });
}

}  // namespace agentrace::app
