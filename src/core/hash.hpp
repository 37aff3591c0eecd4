#pragma once
// SHA-256 (OpenSSL) for content hashes and stable ids; random secrets.
#include <filesystem>
#include <string>
#include <string_view>

namespace agentrace::core {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  // Feeds bytes; a length prefix keeps field boundaries unambiguous.
  Sha256& add(std::string_view bytes);
  Sha256& add_field(std::string_view bytes);
  std::string hex();  // finishes the hash

 private:
  void* ctx_;
};

std::string sha256_hex(std::string_view bytes);

// Feeds a file's content, or a folder's files (relative name and content, sorted by name).
void hash_tree(Sha256& h, const std::filesystem::path& root);

// `bytes` bytes from the kernel's CSPRNG (getrandom), as lowercase hex: unguessable ids.
std::string random_hex(std::size_t bytes);

}  // namespace agentrace::core
