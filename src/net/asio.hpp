#pragma once
// Internal to src/net: the one place that pulls in Boost.Asio. Nothing outside src/net
// may include this header.
#include <boost/asio/io_context.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/steady_timer.hpp>

#include "net/event-loop.hpp"

namespace agentrace::net {

namespace asio = boost::asio;

boost::asio::io_context& io_of(EventLoop& loop);

}  // namespace agentrace::net
