// scripts/check-json-fields on the real tree and on small trees that pass JSON text
// between modules.
#include <gtest/gtest.h>

#include "core/fs.hpp"
#include "support/test-support.hpp"

namespace agentrace {
namespace {

class JsonFields : public ::testing::Test {
 protected:
  test::CommandResult check(const std::filesystem::path& root) const {
    return test::run_command((test::source_dir() / "scripts" / "check-json-fields").string() + " " + root.string());
  }
  std::filesystem::path root() const { return tmp_.path(); }

 private:
  core::TempDir tmp_;
};

TEST_F(JsonFields, TheSourceTreePassesNoJsonTextBetweenModules) {
  const auto r = check(test::source_dir());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(JsonFields, AnAddedJsonTextFieldOrParameterIsNamedByFileAndLine) {
  core::write_file(root() / "src" / "store" / "rows.hpp",
                   "struct Row {\n  std::string id;\n  std::string spec_json;  // the spec\n};\n"
                   "void put(const std::string& host_json, int n);\n"
                   "std::string_view options_json();\n");
  const auto r = check(root());
  EXPECT_EQ(r.exit_code, 1);
  for (const char* what : {"src/store/rows.hpp:3: spec_json is JSON text", "src/store/rows.hpp:5: host_json is JSON text",
                           "src/store/rows.hpp:6: options_json is JSON text"})
    EXPECT_NE(r.out.find(what), std::string::npos) << what << "\n" << r.out;
  EXPECT_EQ(r.out.find(":2:"), std::string::npos) << r.out;
}

// Listed text, typed JSON documents, serialisers and parsers of outside bytes pass.
TEST_F(JsonFields, ListedTextDocumentsAndParsersPass) {
  core::write_file(root() / "src" / "store" / "records.hpp", "struct CallRow {\n  std::string record_json;\n};\n");
  core::write_file(root() / "src" / "speed" / "a.hpp",
                   "struct Run {\n  nlohmann::json run_json;\n};\nstd::string to_json_line(const Run& r);\n"
                   "Report parse_jest_json(std::string_view json);\n");
  const auto r = check(root());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

}  // namespace
}  // namespace agentrace
