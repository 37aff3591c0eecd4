#pragma once
// Errors that tell the user what to fix (hyperfine's habit): every message names the
// file:line:column, the flag or the setting at fault.
#include <stdexcept>
#include <string>

namespace agentrace::core {

// Bad input from the user: a spec, a flag, a race file. Exit code 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A spec file error with its position; what() is "file:line:col: message".
class SpecError : public UsageError {
 public:
  SpecError(const std::string& file, int line, int column, const std::string& message);
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  int column() const { return column_; }
  const std::string& message() const { return message_; }

 private:
  std::string file_;
  int line_;
  int column_;
  std::string message_;
};

// Something in the environment failed (git, bwrap, the disk). Exit code 1.
class InfraError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace agentrace::core
