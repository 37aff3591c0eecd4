#include "core/hash.hpp"

#include <openssl/evp.h>
#include <sys/random.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "core/fs.hpp"

namespace agentrace::core {

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr || EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("sha256: OpenSSL init failed");
}

Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

Sha256& Sha256::add(std::string_view bytes) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), bytes.data(), bytes.size());
  return *this;
}

Sha256& Sha256::add_field(std::string_view bytes) {
  add(fmt::format("{}:", bytes.size()));
  return add(bytes);
}

std::string Sha256::hex() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), out.data(), &len);
  std::string s;
  s.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) s += fmt::format("{:02x}", out[i]);
  return s;
}

std::string sha256_hex(std::string_view bytes) { return Sha256().add(bytes).hex(); }

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  for (std::size_t got = 0; got < bytes;) {
    const auto n = getrandom(raw.data() + got, bytes - got, 0);
    if (n < 0 && errno != EINTR) throw std::runtime_error(fmt::format("getrandom failed: {}", std::strerror(errno)));
    if (n > 0) got += static_cast<std::size_t>(n);
  }
  std::string out;
  for (unsigned char c : raw) out += fmt::format("{:02x}", c);
  return out;
}

void hash_tree(Sha256& h, const std::filesystem::path& root) {
  namespace fs = std::filesystem;
  if (fs::is_regular_file(root)) {
    h.add_field(read_file(root));
    return;
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    h.add_field(fs::relative(f, root).string());
    h.add_field(read_file(f));
  }
}

}  // namespace agentrace::core
