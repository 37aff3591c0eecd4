#pragma once
// Many due times on one event loop through one timer. A timer per piece per stream cost
// an allocation, a handler and a timerfd update for every chunk a server streamed; here a
// heap orders what is due and one timer wakes the loop for the earliest, on a 0.1 ms grid
// so that pieces due close together share a wake-up.
#include <cstdint>
#include <memory>

#include "net/event-loop.hpp"

namespace agentrace::net {

// Something a DueQueue runs when its time comes.
class Due {
 public:
  virtual ~Due() = default;
  virtual void fire() = 0;
};

class DueQueue {
 public:
  explicit DueQueue(EventLoop& loop);
  ~DueQueue();  // what is still queued is dropped without running
  DueQueue(const DueQueue&) = delete;
  DueQueue& operator=(const DueQueue&) = delete;

  // On the loop's thread: runs what->fire() on the loop once now_ns() >= due_ns (at most
  // 0.1 ms later when the loop is free; on the next grid step when it is already due).
  // Equal due times run in the order queued.
  void at(std::int64_t due_ns, std::shared_ptr<Due> what);
  EventLoop& loop() const { return loop_; }

  struct Impl;

 private:
  EventLoop& loop_;
  std::shared_ptr<Impl> impl_;
};

}  // namespace agentrace::net
