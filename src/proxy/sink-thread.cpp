#include "proxy/sink-thread.hpp"

#include <cstdio>
#include <exception>

namespace agentrace::proxy {

SinkThread::SinkThread(RecordSink inner) : inner_(std::move(inner)), thread_([this] { run(); }) {}

SinkThread::~SinkThread() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_one();
  thread_.join();
}

RecordSink SinkThread::sink() {
  return [this](CallRecord r) {
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(std::move(r));
    }
    ready_.notify_one();
  };
}

void SinkThread::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and all handed over
    CallRecord r = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    try {
      inner_(std::move(r));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "agentrace proxy: recording a call failed: %s\n", e.what());
    }
    lock.lock();
  }
}

}  // namespace agentrace::proxy
