#include "net/http.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <stdexcept>

namespace agentrace::net {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::uint16_t parse_port(std::string_view text, std::string_view whole) {
  unsigned value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value > 65535) {
    throw std::invalid_argument("bad port in '" + std::string(whole) + "'");
  }
  return static_cast<std::uint16_t>(value);
}

// Splits "host:port" / "[v6]:port" / "host"; port stays empty when absent.
std::pair<std::string, std::string_view> split_host_port(std::string_view hp,
                                                         std::string_view whole) {
  if (hp.starts_with('[')) {
    const auto close = hp.find(']');
    if (close == std::string_view::npos) {
      throw std::invalid_argument("unclosed '[' in '" + std::string(whole) + "'");
    }
    auto rest = hp.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') {
      throw std::invalid_argument("junk after ']' in '" + std::string(whole) + "'");
    }
    return {std::string(hp.substr(1, close - 1)), rest.empty() ? rest : rest.substr(1)};
  }
  const auto colon = hp.rfind(':');
  if (colon == std::string_view::npos) return {std::string(hp), {}};
  return {std::string(hp.substr(0, colon)), hp.substr(colon + 1)};
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

bool is_hop_by_hop(std::string_view name) {
  static constexpr std::array<std::string_view, 7> names{
      "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
      "proxy-connection"};
  if (name.size() > 6 && iequals(name.substr(0, 6), "proxy-")) return true;
  return std::any_of(names.begin(), names.end(), [&](auto n) { return iequals(n, name); });
}

const std::string* Headers::find(std::string_view name) const {
  for (const auto& h : list_) {
    if (iequals(h.name, name)) return &h.value;
  }
  return nullptr;
}

void Headers::add(std::string name, std::string value) {
  list_.push_back({std::move(name), std::move(value)});
}

void Headers::set(std::string name, std::string value) {
  erase(name);
  add(std::move(name), std::move(value));
}

std::size_t Headers::erase(std::string_view name) {
  return std::erase_if(list_, [&](const Header& h) { return iequals(h.name, name); });
}

std::string_view status_reason(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 529: return "Overloaded";
    default: return "Unknown";
  }
}

std::string_view error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::none: return "none";
    case ErrorKind::resolve: return "resolve";
    case ErrorKind::connect: return "connect";
    case ErrorKind::tls: return "tls";
    case ErrorKind::reset: return "reset";
    case ErrorKind::stalled: return "stalled";
    case ErrorKind::timeout: return "timeout";
    case ErrorKind::protocol: return "protocol";
    case ErrorKind::cancelled: return "cancelled";
    case ErrorKind::limit: return "limit";
  }
  return "unknown";
}

std::string Url::origin() const {
  if (!unix_path.empty()) {
    std::string out = "http+unix://";
    for (char c : unix_path) out += c == '/' ? std::string("%2F") : c == '%' ? std::string("%25") : std::string(1, c);
    return out;
  }
  const bool v6 = host.find(':') != std::string::npos;
  return std::string(tls ? "https://" : "http://") + (v6 ? "[" + host + "]" : host) + ":" +
         std::to_string(port);
}

std::string Url::host_header() const {
  const bool v6 = host.find(':') != std::string::npos;
  std::string h = v6 ? "[" + host + "]" : host;
  if (port != (tls ? 443 : 80)) h += ":" + std::to_string(port);
  return h;
}

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Url parse_unix_url(std::string_view text) {
  const std::string_view rest = text.substr(12);
  const auto slash = rest.find('/');
  const std::string_view encoded = rest.substr(0, slash);
  Url url;
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] != '%') {
      url.unix_path += encoded[i];
      continue;
    }
    if (i + 2 >= encoded.size() || hex_value(encoded[i + 1]) < 0 || hex_value(encoded[i + 2]) < 0) {
      throw std::invalid_argument("URL '" + std::string(text) + "': bad %-escape in the socket path");
    }
    url.unix_path += static_cast<char>(hex_value(encoded[i + 1]) * 16 + hex_value(encoded[i + 2]));
    i += 2;
  }
  if (!url.unix_path.starts_with('/')) {
    throw std::invalid_argument("URL '" + std::string(text) +
                                "': give the socket's absolute path with / written %2F, e.g. "
                                "http+unix://%2Frun%2Fllm.sock/v1");
  }
  url.host = "localhost";
  url.port = 80;
  if (slash != std::string_view::npos) url.base_path = std::string(rest.substr(slash));
  while (url.base_path.ends_with('/')) url.base_path.pop_back();
  return url;
}

}  // namespace

Url parse_url(std::string_view text) {
  if (text.starts_with("http+unix://")) return parse_unix_url(text);
  Url url;
  std::string_view rest;
  if (text.starts_with("http://")) {
    rest = text.substr(7);
  } else if (text.starts_with("https://")) {
    url.tls = true;
    rest = text.substr(8);
  } else {
    throw std::invalid_argument("URL '" + std::string(text) + "' must start with http://, https:// or http+unix://");
  }
  const auto slash = rest.find('/');
  const auto hp = rest.substr(0, slash);
  auto [host, port] = split_host_port(hp, text);
  if (host.empty()) throw std::invalid_argument("no host in URL '" + std::string(text) + "'");
  url.host = std::move(host);
  url.port = port.empty() ? (url.tls ? 443 : 80) : parse_port(port, text);
  if (slash != std::string_view::npos) url.base_path = std::string(rest.substr(slash));
  while (url.base_path.ends_with('/')) url.base_path.pop_back();
  return url;
}

ListenSpec parse_listen(std::string_view text) {
  ListenSpec spec;
  if (text.find('/') != std::string_view::npos) {
    spec.unix_path = std::string(text);
    return spec;
  }
  auto [host, port] = split_host_port(text, text);
  if (port.data() == nullptr || port.empty()) {
    throw std::invalid_argument("listen address '" + std::string(text) +
                                "' needs a port, e.g. 127.0.0.1:0");
  }
  if (!host.empty()) spec.host = std::move(host);
  spec.port = parse_port(port, text);
  return spec;
}

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace agentrace::net
