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

// A record wakes the thread only when it finds the queue empty (a wake-up per call cost
// the relaying loops more than the record's own work): the thread then lets a batch pile
// up for kPoll, or until kBatch are queued. An idle proxy's sink sleeps (a 20 ms poll was
// most of its CPU at one stream).
RecordSink SinkThread::sink() {
  return [this](CallRecord r) {
    std::size_t queued = 0;
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(std::move(r));
      queued = queue_.size();
    }
    if (queued == 1 || queued == kBatch) ready_.notify_one();
  };
}

void SinkThread::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    ready_.wait_for(lock, kPoll, [this] { return stopping_ || queue_.size() >= kBatch; });
    if (queue_.empty() && stopping_) return;  // all handed over
    std::deque<CallRecord> batch;
    batch.swap(queue_);
    lock.unlock();
    for (auto& r : batch) {
      try {
        inner_(std::move(r));
      } catch (const std::exception& e) {
        std::fprintf(stderr, "agentrace proxy: recording a call failed: %s\n", e.what());
      }
    }
    lock.lock();
  }
}

}  // namespace agentrace::proxy
