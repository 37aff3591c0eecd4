// scripts/check-deps on the real tree and on small trees that break the module graph.
#include <gtest/gtest.h>

#include "core/fs.hpp"
#include "support/test-support.hpp"

namespace agentrace {
namespace {

test::CommandResult check(const std::filesystem::path& root) {
  return test::run_command((test::source_dir() / "scripts" / "check-deps").string() + " " + root.string());
}

// A tree of three modules, core < low < high, each with one file.
class Graph : public ::testing::Test {
 protected:
  void SetUp() override {
    core::write_file(root() / "cmake" / "modules.cmake",
                     "agentrace_module(core)\nagentrace_module(low core)\nagentrace_module(high core low)\n");
    core::write_file(root() / "src" / "core" / "a.hpp", "#pragma once\n");
    core::write_file(root() / "src" / "low" / "b.cpp", "#include <string>\n\n#include \"core/a.hpp\"\n");
    core::write_file(root() / "src" / "high" / "c.cpp", "#include \"low/b.hpp\"\n#include \"high/c.hpp\"\n");
    core::write_file(root() / "src" / "app" / "main.cpp", "#include \"high/c.hpp\"\n");
  }
  std::filesystem::path root() const { return tmp_.path(); }

 private:
  core::TempDir tmp_;
};

TEST(CheckDeps, TheSourceTreeKeepsItsGraph) {
  const auto r = check(test::source_dir());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(Graph, DeclaredIncludesPass) {
  const auto r = check(root());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

TEST_F(Graph, AnIncludeUpwardsIsNamedByFileAndLine) {
  core::write_file(root() / "src" / "low" / "b.cpp", "#include \"core/a.hpp\"\n// why\n#include \"high/c.hpp\"\n");
  const auto r = check(root());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("src/low/b.cpp:3: low includes high/"), std::string::npos) << r.out;
}

TEST_F(Graph, AnUndeclaredModuleAndAnUpwardDeclarationFail) {
  core::write_file(root() / "cmake" / "modules.cmake",
                   "agentrace_module(core)\nagentrace_module(low core high)\nagentrace_module(high core low)\n");
  core::write_file(root() / "src" / "extra" / "d.cpp", "\n");
  const auto r = check(root());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("cmake/modules.cmake:2: low uses high, which is not declared before it"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("src/extra/: module extra is not declared"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace agentrace
