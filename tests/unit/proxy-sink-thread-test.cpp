// src/proxy/sink-thread: records reach the inner sink in the order queued, one a time,
// while the proxy runs (an idle sink thread sleeps until one comes) and all of them
// before it is destroyed.
#include <chrono>
#include <future>
#include <mutex>
#include <vector>

#include <gtest/gtest.h>

#include "proxy/sink-thread.hpp"

namespace proxy = agentrace::proxy;

TEST(ProxySinkThread, HandsOverEveryRecordInOrder) {
  std::mutex mutex;
  std::vector<std::uint64_t> seen;
  std::promise<void> first;
  {
    proxy::SinkThread thread([&](proxy::CallRecord r) {
      std::lock_guard lock(mutex);
      seen.push_back(r.sequence);
      if (seen.size() == 1) first.set_value();
    });
    auto sink = thread.sink();
    proxy::CallRecord r;
    r.sequence = 1;
    sink(r);
    // Delivered while the thread lives: it wakes for a record that finds it idle.
    ASSERT_EQ(first.get_future().wait_for(std::chrono::seconds(30)), std::future_status::ready);
    for (std::uint64_t i = 2; i <= 600; ++i) {
      r.sequence = i;
      sink(r);
    }
  }
  ASSERT_EQ(seen.size(), 600u);
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], i + 1);
}
