#pragma once
// One event loop (an io_context) that servers, clients and timers share. It runs
// either on its own thread (start) or on the caller's (run); stop() is clean and
// idempotent. Every callback of src/net runs on the loop's thread.
#include <chrono>
#include <functional>
#include <memory>
#include <thread>

namespace agentrace::net {

class Timer {
 public:
  virtual ~Timer() = default;
  virtual void cancel() = 0;  // the callback will not run (when called on the loop thread)
};

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();  // stops the loop and joins its thread
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  void start();  // runs the loop on a new thread
  void run();    // runs the loop on this thread until stop()
  void stop();   // stops the loop, joins its thread; pending work is dropped

  void post(std::function<void()> fn);
  // Runs fn on the loop thread and waits for it; runs it directly on the loop thread
  // itself or when the loop is not running.
  void call(const std::function<void()>& fn);
  bool in_loop_thread() const;

  std::shared_ptr<Timer> after(std::chrono::nanoseconds delay, std::function<void()> fn);

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace agentrace::net
