#pragma once
// Internal to src/net: Beast includes and the mapping from error codes to ErrorKind.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

#include "net/asio.hpp"
#include "net/http.hpp"

namespace agentrace::net {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using unix_socket = boost::asio::local::stream_protocol;

inline bool is_http_error(const boost::system::error_code& ec) {
  return &ec.category() == &http::make_error_code(http::error::bad_version).category();
}

inline ErrorKind classify(const boost::system::error_code& ec) {
  namespace e = boost::asio::error;
  if (!ec) return ErrorKind::none;
  if (ec == e::operation_aborted) return ErrorKind::cancelled;
  if (ec == e::connection_refused || ec == e::host_unreachable ||
      ec == e::network_unreachable || ec == e::timed_out) {
    return ErrorKind::connect;
  }
  if (ec == http::error::body_limit || ec == http::error::header_limit ||
      ec == http::error::buffer_overflow) {
    return ErrorKind::limit;
  }
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) return ErrorKind::reset;
  if (is_http_error(ec)) return ErrorKind::protocol;
  return ErrorKind::reset;  // eof, reset, broken pipe, closed descriptor
}

inline Error to_error(const boost::system::error_code& ec) {
  return Error{classify(ec), ec ? ec.message() : std::string()};
}

// The fields of a parsed Beast message as plain Headers (framing fields left out).
template <class Fields>
Headers plain_headers(const Fields& fields) {
  Headers out;
  for (const auto& f : fields) {
    const auto name = f.name_string();
    if (is_hop_by_hop(name) || iequals(name, "content-length")) continue;
    out.add(std::string(name), std::string(f.value()));
  }
  return out;
}

}  // namespace agentrace::net
