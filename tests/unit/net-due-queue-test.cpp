// src/net/due-queue: what is due runs in due-time order on the loop, one timer for all of
// it; what is still queued when the queue goes is dropped unrun.
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "net/due-queue.hpp"
#include "net/http.hpp"

namespace net = agentrace::net;

namespace {

struct Mark : net::Due {
  Mark(std::vector<std::string>& log, std::string name) : log(log), name(std::move(name)) {}
  void fire() override { log.push_back(name); }
  std::vector<std::string>& log;
  std::string name;
};

// Queues itself again when it fires, as a stream queues its next chunk; the last stops the loop.
struct Chain : net::Due, std::enable_shared_from_this<Chain> {
  Chain(net::DueQueue& q, std::vector<std::string>& log, int left) : q(q), log(log), left(left) {}
  void fire() override {
    log.push_back("chain " + std::to_string(left));
    if (--left > 0) return q.at(net::now_ns() + 1'000'000, shared_from_this());
    q.loop().stop();
  }
  net::DueQueue& q;
  std::vector<std::string>& log;
  int left;
};

struct Stop : net::Due {
  explicit Stop(net::EventLoop& loop) : loop(loop) {}
  void fire() override { loop.stop(); }
  net::EventLoop& loop;
};

}  // namespace

TEST(NetDueQueue, RunsWhatIsDueInDueOrder) {
  net::EventLoop loop;
  net::DueQueue queue(loop);
  std::vector<std::string> log;
  const std::int64_t now = net::now_ns();
  queue.at(now + 3'000'000, std::make_shared<Mark>(log, "c"));
  queue.at(now + 1'000'000, std::make_shared<Mark>(log, "b1"));
  queue.at(now - 5'000'000, std::make_shared<Mark>(log, "a"));  // already due
  queue.at(now + 1'000'000, std::make_shared<Mark>(log, "b2"));  // equal due times: in the order queued
  queue.at(now + 2'000'000, std::make_shared<Chain>(queue, log, 3));
  loop.run();
  EXPECT_EQ(log, (std::vector<std::string>{"a", "b1", "b2", "chain 3", "c", "chain 2", "chain 1"}));
}

TEST(NetDueQueue, DropsWhatIsStillQueuedUnrun) {
  net::EventLoop loop;
  std::vector<std::string> log;
  std::weak_ptr<Mark> pending;
  {
    net::DueQueue queue(loop);
    auto mark = std::make_shared<Mark>(log, "later");
    pending = mark;
    queue.at(net::now_ns() + 3'600'000'000'000, std::move(mark));
    queue.at(net::now_ns(), std::make_shared<Stop>(loop));
    loop.run();
    EXPECT_FALSE(pending.expired());
  }
  EXPECT_TRUE(pending.expired());
  EXPECT_TRUE(log.empty());
}
