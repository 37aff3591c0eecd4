#pragma once
// A record sink on a thread of its own: the proxy's loops only queue each finished
// CallRecord (a move under a lock), and this thread turns them into JSON, files or a
// store, one at a time and in the order queued, within 20 ms. So a slow write never holds
// up a relayed byte, and the inner sink is never called from two threads at once.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "proxy/proxy.hpp"

namespace agentrace::proxy {

class SinkThread {
 public:
  explicit SinkThread(RecordSink inner);
  ~SinkThread();  // hands every queued record to the inner sink, then joins
  SinkThread(const SinkThread&) = delete;
  SinkThread& operator=(const SinkThread&) = delete;

  // Queues a record; safe from any thread while this object lives.
  RecordSink sink();

 private:
  void run();
  static constexpr std::size_t kBatch = 256;
  static constexpr std::chrono::milliseconds kPoll{20};

  RecordSink inner_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<CallRecord> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace agentrace::proxy
