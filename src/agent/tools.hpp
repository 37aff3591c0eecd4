#pragma once
// The built-in agent's tools: bash, read_file, write_file, edit, list_files. Paths are
// relative to the working folder, and a path that leads out of it is refused. Every
// failure is returned as text the model can act on, never thrown.
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace agentrace::agent {

struct ToolSpec {
  std::string name;
  std::string description;
  nlohmann::ordered_json parameters;  // JSON Schema of the arguments object
};

// The five tools, in the order they are offered.
const std::vector<ToolSpec>& tool_specs();

struct ToolLimits {
  std::chrono::milliseconds bash_timeout{120000};
  std::size_t output_cap = 30 * 1024;  // bytes of tool output the model sees
  std::size_t read_lines = 2000;       // read_file's default limit
  std::size_t list_entries = 1000;     // list_files cap
};

struct ToolOutput {
  std::string text;  // what the model gets back
  int exit = 0;      // bash: the command's exit status; other tools: 0 ok, 1 error
  bool error = false;
};

class Tools {
 public:
  explicit Tools(std::filesystem::path workdir, ToolLimits limits = {});
  // Runs a tool by name with its JSON arguments as the model wrote them.
  ToolOutput run(const std::string& name, const std::string& arguments);
  const std::filesystem::path& workdir() const { return workdir_; }
  ToolLimits& limits() { return limits_; }

 private:
  ToolOutput bash(const nlohmann::json& args);
  ToolOutput read_file(const nlohmann::json& args);
  ToolOutput write_file(const nlohmann::json& args);
  ToolOutput edit(const nlohmann::json& args);
  ToolOutput list_files(const nlohmann::json& args);
  // The path inside the working folder; throws ToolError when it leads out of it.
  std::filesystem::path resolve(const std::string& path) const;

  std::filesystem::path workdir_;
  ToolLimits limits_;
};

}  // namespace agentrace::agent
