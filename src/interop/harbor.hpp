#pragma once
// `agentrace import harbor`: Harbor / Terminal-Bench 2 task folders (task.toml,
// instruction.md, environment/Dockerfile, tests/test.sh writing a reward, solution/solve.sh)
// onto task folders (docs/tasks-from-history.md, "Harbor").
#include <filesystem>
#include <string>
#include <vector>

#include "interop/task-writer.hpp"

namespace agentrace::interop {

// What agentrace reproduces of a Dockerfile without a container engine: the files its COPY
// and ADD put under the final WORKDIR (the task's repository), its ENV, and its FROM.
struct Dockerfile {
  std::string from;
  std::filesystem::path workdir;  // empty when it sets none
  struct Copy {
    int line = 0;
    std::vector<std::string> sources;  // relative to the build context
    std::string dest;                  // absolute (resolved against the WORKDIR of its line); '/' kept
  };
  std::vector<Copy> copies;
  std::vector<std::pair<std::string, std::string>> env;
  std::vector<std::string> not_reproduced;  // "line 7: RUN pip install ..." and the like
};

// Reads a Dockerfile's final stage. Throws core::UsageError naming file:line for what it
// cannot read (a COPY without a destination, a bad JSON form).
Dockerfile read_dockerfile(const std::filesystem::path& file);

// Writes into repo what the copies put under workdir, from the build context; notes what it
// leaves out (outside the workdir, links, other stages).
void materialise_workdir(const Dockerfile& d, const std::filesystem::path& context, const std::filesystem::path& workdir,
                         const std::filesystem::path& repo, std::vector<std::string>& notes);

// Copies files and folders only: a link, device, FIFO or .git is left out with a note.
void copy_plain(const std::filesystem::path& from, const std::filesystem::path& to, std::vector<std::string>& notes);

struct HarborImport {
  std::filesystem::path dir;     // a Harbor task folder, or a folder of them
  std::filesystem::path out;     // the suite folder
  std::filesystem::path images;  // images as DIR/<task id>.tar or an OCI layout DIR/<task id>/
  std::filesystem::path work;    // where the reference solution's run builds (default: temporary)
  std::string sandbox = "bwrap";
};

// Imports each task; its solution/solve.sh runs in the sandbox on the task's workdir and the
// diff it leaves becomes fix.patch (the oracle).
std::vector<ImportedTask> import_harbor(const HarborImport& opts);

}  // namespace agentrace::interop
