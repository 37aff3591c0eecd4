#include "net/event-loop.hpp"

#include <atomic>
#include <future>
#include <optional>

#include <boost/asio/post.hpp>

#include "net/asio.hpp"

namespace agentrace::net {

struct EventLoop::Impl {
  asio::io_context io{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread thread;
  std::atomic<bool> running{false};
  std::atomic<std::thread::id> runner{};
};

namespace {

class SteadyTimer : public Timer, public std::enable_shared_from_this<SteadyTimer> {
 public:
  explicit SteadyTimer(asio::io_context& io) : timer_(io) {}
  void arm(std::chrono::nanoseconds delay, std::function<void()> fn) {
    timer_.expires_after(delay);
    timer_.async_wait([self = shared_from_this(), fn = std::move(fn)](boost::system::error_code ec) {
      if (!ec && !self->cancelled_) fn();
    });
  }
  void cancel() override {
    cancelled_ = true;
    timer_.cancel();
  }

 private:
  asio::steady_timer timer_;
  bool cancelled_ = false;
};

}  // namespace

asio::io_context& io_of(EventLoop& loop) { return loop.impl().io; }

EventLoop::EventLoop() : impl_(std::make_unique<Impl>()) {}

EventLoop::~EventLoop() { stop(); }

void EventLoop::run() {
  // start() made the guard already: replacing it would drop the work count to zero
  // for an instant, which stops an idle io_context for good.
  if (!impl_->work) {
    impl_->io.restart();
    impl_->work.emplace(impl_->io.get_executor());
  }
  impl_->runner = std::this_thread::get_id();
  impl_->running = true;
  impl_->io.run();
  impl_->running = false;
  impl_->runner = std::thread::id{};
}

void EventLoop::start() {
  if (impl_->thread.joinable()) return;
  impl_->io.restart();
  impl_->work.emplace(impl_->io.get_executor());
  impl_->running = true;  // so call() waits for the thread instead of running inline
  impl_->thread = std::thread([this] { run(); });
}

void EventLoop::stop() {
  impl_->work.reset();
  impl_->io.stop();
  if (impl_->thread.joinable() && impl_->thread.get_id() != std::this_thread::get_id()) {
    impl_->thread.join();
  }
  impl_->running = false;
}

void EventLoop::post(std::function<void()> fn) { asio::post(impl_->io, std::move(fn)); }

bool EventLoop::in_loop_thread() const { return impl_->runner == std::this_thread::get_id(); }

void EventLoop::call(const std::function<void()>& fn) {
  if (in_loop_thread() || !impl_->running || impl_->io.stopped()) {
    fn();
    return;
  }
  std::promise<void> done;
  asio::post(impl_->io, [&] {
    try {
      fn();
      done.set_value();
    } catch (...) {
      done.set_exception(std::current_exception());
    }
  });
  done.get_future().get();
}

std::shared_ptr<Timer> EventLoop::after(std::chrono::nanoseconds delay, std::function<void()> fn) {
  auto timer = std::make_shared<SteadyTimer>(impl_->io);
  timer->arm(delay, std::move(fn));
  return timer;
}

}  // namespace agentrace::net
