#include "proxy/cassette.hpp"

#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include "core/error.hpp"

namespace agentrace::proxy {

using Json = nlohmann::ordered_json;

namespace {

// Exactly what the JSON writer accepts as UTF-8.
bool valid_utf8(const std::string& s) {
  try {
    (void)Json(s).dump();
    return true;
  } catch (const Json::type_error&) {
    return false;
  }
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');  // + the NUL it writes
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string unbase64(const std::string& text) {
  std::string out(3 * (text.size() / 4), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0 || text.size() % 4 != 0) throw std::invalid_argument("data_b64 is not base64");
  // EVP_DecodeBlock counts the padding as zero bytes.
  const std::size_t pad = text.ends_with("==") ? 2 : text.ends_with('=') ? 1 : 0;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

std::string chunk_data(const Json& chunk) {
  if (const auto b64 = chunk.find("data_b64"); b64 != chunk.end()) return unbase64(b64->get<std::string>());
  return chunk.at("data").get<std::string>();
}

CassetteCall call_of(const Json& j) {
  CassetteCall c;
  c.conversation = j.value("conversation", "");
  c.match = j.value("match", "");
  c.protocol = j.value("protocol", "");
  c.method = j.value("method", "POST");
  c.path = j.value("path", "");
  c.model = j.value("model", "");
  c.status = j.value("status", 200);
  c.head_ns = j.value("head_ns", std::int64_t{0});
  for (const auto& h : j.value("headers", Json::array())) {
    c.headers.emplace_back(h.at(0).get<std::string>(), h.at(1).get<std::string>());
  }
  for (const auto& chunk : j.value("chunks", Json::array())) {
    c.chunks.push_back(CassetteChunk{chunk.value("offset_ns", std::int64_t{0}), chunk_data(chunk)});
  }
  if (c.status < 100 || c.status > 999) throw std::invalid_argument(fmt::format("status {} is not an HTTP status", c.status));
  return c;
}

}  // namespace

std::vector<CassetteCall> load_cassette(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw core::UsageError("--replay: cannot read " + file.string());
  std::vector<CassetteCall> calls;
  std::string line;
  for (std::size_t n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      calls.push_back(call_of(Json::parse(line)));
      calls.back().line = n;
    } catch (const std::exception& e) {
      throw core::UsageError(fmt::format("{}:{}: not a cassette call: {}", file.string(), n, e.what()));
    }
  }
  if (calls.empty()) throw core::UsageError("--replay: " + file.string() + " holds no calls");
  return calls;
}

std::string to_json_line(const CassetteCall& c) {
  Json headers = Json::array();
  for (const auto& [name, value] : c.headers) headers.push_back(Json::array({name, value}));
  Json chunks = Json::array();
  for (const auto& chunk : c.chunks) {
    // A read may end inside a UTF-8 character: such bytes go as base64, byte-exact.
    const bool text = valid_utf8(chunk.data);
    chunks.push_back(Json{{"offset_ns", chunk.offset_ns}, {text ? "data" : "data_b64", text ? chunk.data : base64(chunk.data)}});
  }
  const Json j{{"conversation", c.conversation}, {"match", c.match}, {"protocol", c.protocol},
               {"method", c.method}, {"path", c.path}, {"model", c.model}, {"status", c.status},
               {"head_ns", c.head_ns}, {"headers", headers}, {"chunks", chunks}};
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

CassetteFile::CassetteFile(const std::filesystem::path& file) : path_(file), out_(file, std::ios::trunc) {
  if (!out_) throw core::UsageError("cannot write the cassette " + file.string());
}

void CassetteFile::append(const CassetteCall& call) {
  const std::string line = to_json_line(call);
  std::lock_guard lock(mutex_);
  out_ << line << '\n' << std::flush;
}

}  // namespace agentrace::proxy
