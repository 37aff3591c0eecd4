#include "core/error.hpp"

#include <fmt/format.h>

namespace agentrace::core {

SpecError::SpecError(const std::string& file, int line, int column, const std::string& message)
    : UsageError(fmt::format("{}:{}:{}: {}", file, line, column, message)),
      file_(file),
      line_(line),
      column_(column),
      message_(message) {}

}  // namespace agentrace::core
