// `agentrace task new` on fix commits of repositories the tests write with real history
// (Python with unittest, JavaScript with node:test, C with make): the task it writes
// validates, its tests are sorted into tiers, and each error a user meets names the fix.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/fs.hpp"
#include "support/test-support.hpp"

namespace agentrace {
namespace {

namespace fs = std::filesystem;

// A repository at dir: `before` files committed, then `after` files committed as the fix
// with message "subject\n\nbody". Files are "path\ncontent" pairs.
void make_repo(const fs::path& dir, const std::vector<std::pair<std::string, std::string>>& before,
               const std::vector<std::pair<std::string, std::string>>& after, const std::string& message) {
  auto put = [&](const auto& files) {
    for (const auto& [path, text] : files) core::write_file(dir / path, text);
  };
  put(before);
  const auto git = fmt::format("git -C {} -c user.name=t -c user.email=t@t ", dir.string());
  ASSERT_EQ(test::run_command(git + "init -q -b main && " + git + "add -A && " + git + "commit -qm base").exit_code, 0);
  put(after);
  core::write_file(dir / ".msg", message);
  ASSERT_EQ(test::run_command(git + "add -A ':!.msg' && " + git + "commit -q -F " + (dir / ".msg").string()).exit_code, 0);
}

test::CommandResult task_new(const fs::path& repo, const fs::path& out, const std::string& flags) {
  return test::run_command(fmt::format("{} task new --repo {} --fix HEAD --out {} {}", test::binary().string(),
                                       repo.string(), out.string(), flags));
}

void python_repo(const fs::path& dir) {
  make_repo(dir,
            {{"calc/__init__.py", ""}, {"tests/__init__.py", ""},
             {"calc/ops.py", "def div(a, b):\n    return a // b\n\n\ndef add(a, b):\n    return a + b\n"},
             {"tests/test_ops.py", "import unittest\nfrom calc.ops import add\n\n\nclass Add(unittest.TestCase):\n"
                                   "    def test_add(self):\n        self.assertEqual(add(2, 3), 5)\n"}},
            {{"calc/ops.py", "def div(a, b):\n    return a / b\n\n\ndef add(a, b):\n    return a + b\n"},
             {"tests/test_div.py", "import unittest\nfrom calc.ops import div\n\n\nclass Div(unittest.TestCase):\n"
                                   "    def test_half(self):\n        self.assertEqual(div(1, 2), 0.5)\n"}},
            "div: true division\n\ndiv(1, 2) returned 0.");
}

TEST(TaskNew, PythonFixCommitBecomesAValidTask) {
  core::TempDir tmp("agentrace-it");
  python_repo(tmp.path() / "repo");
  const auto out = tmp.path() / "suite" / "div-half";
  const auto r = task_new(tmp.path() / "repo", out,
                          "--tests-cmd 'python3 -m unittest tests.test_div' --tests-cmd 'python3 -m unittest tests.test_ops' "
                          "--tests-cmd 'exit 3'");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("fail_to_pass  python3 -m unittest tests.test_div"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("pass_to_pass  python3 -m unittest tests.test_ops"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("left out      exit 3: fails with the fix too"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("validate: holds"), std::string::npos) << r.out;
  const auto toml = core::read_file(out / "task.toml");
  EXPECT_NE(toml.find("language = 'python'"), std::string::npos) << toml;
  EXPECT_NE(core::read_file(out / "hidden.patch").find("tests/test_div.py"), std::string::npos);
  EXPECT_EQ(core::read_file(out / "fix.patch").find("tests/"), std::string::npos);
  EXPECT_NE(core::read_file(out / "statement.md").find("div(1, 2) returned 0."), std::string::npos);
  const auto v = test::run_command(fmt::format("{} validate {}", test::binary().string(), out.parent_path().string()));
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
}

// With a runner, one run of the whole suite is sorted by test id; pytest's JUnit ids are
// turned back into node ids, and an edge-case-looking new test is proposed as strict.
TEST(TaskNew, PytestRunnerSortsTestsById) {
  core::TempDir tmp("agentrace-it");
  make_repo(tmp.path() / "repo",
            {{"calc/__init__.py", ""}, {"calc/ops.py", "def div(a, b):\n    return a // b\n"},
             {"tests/test_ops.py", "from calc.ops import div\n\n\ndef test_whole():\n    assert div(4, 2) == 2\n\n\n"
                                   "def test_broken():\n    assert False\n"}},
            {{"calc/ops.py", "def div(a, b):\n    return a / b\n"},
             {"tests/test_div.py", "from calc.ops import div\n\n\nclass TestDiv:\n    def test_half(self):\n"
                                   "        assert div(1, 2) == 0.5\n\n    def test_negative_edge(self):\n"
                                   "        assert div(-1, 2) == -0.5\n"}},
            "div: true division\n");
  const auto out = tmp.path() / "suite" / "div";
  const auto r = task_new(tmp.path() / "repo", out, "--runner pytest");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("fail_to_pass  tests/test_div.py::TestDiv::test_half"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("pass_to_pass  tests/test_ops.py::test_whole"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("left out      tests/test_ops.py::test_broken: fails with the fix too"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("strict?       tests/test_div.py::TestDiv::test_negative_edge"), std::string::npos) << r.out;
  const auto toml = core::read_file(out / "task.toml");
  EXPECT_NE(toml.find("runner = 'pytest'"), std::string::npos) << toml;
  EXPECT_NE(toml.find("kind = 'commit'"), std::string::npos) << toml;
  EXPECT_EQ(toml.find("'*'"), std::string::npos) << "the written task lists its ids\n" << toml;
}

TEST(TaskNew, JavaScriptFixCommitWithNodeTest) {
  core::TempDir tmp("agentrace-it");
  const auto test_js = "const test = require('node:test');\nconst assert = require('node:assert');\n"
                       "const { slug } = require('../src/slug');\n";
  make_repo(tmp.path() / "repo",
            {{"package.json", "{\"name\": \"slug\", \"version\": \"1.0.0\"}\n"},
             {"src/slug.js", "exports.slug = (s) => s.toLowerCase().replace(' ', '-');\n"},
             {"test/basic.test.js", std::string(test_js) + "test('one space', () => assert.equal(slug('A b'), 'a-b'));\n"}},
            {{"src/slug.js", "exports.slug = (s) => s.toLowerCase().replaceAll(' ', '-');\n"},
             {"test/many.test.js", std::string(test_js) + "test('two spaces', () => assert.equal(slug('A b c'), 'a-b-c'));\n"}},
            "slug: replace every space\n");
  const auto out = tmp.path() / "suite" / "slug-spaces";
  const auto r = task_new(tmp.path() / "repo", out, "--tests-cmd 'node --test test/many.test.js' --tests-cmd 'node --test test/basic.test.js'");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("fail_to_pass  node --test test/many.test.js"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("pass_to_pass  node --test test/basic.test.js"), std::string::npos) << r.out;
  EXPECT_NE(core::read_file(out / "task.toml").find("language = 'javascript'"), std::string::npos);
}

TEST(TaskNew, CFixCommitWithMake) {
  core::TempDir tmp("agentrace-it");
  const auto makefile = "test:\n\tfor t in tests/test_*.c; do cc -Isrc -o /tmp/t $$t src/trim.c && /tmp/t || exit 1; done\n";
  const auto test_c = [](const char* in, const char* want) {
    return fmt::format("#include <string.h>\n#include \"trim.h\"\nint main(void) {{ char s[] = \"{}\"; "
                       "return strcmp(trim(s), \"{}\") != 0; }}\n", in, want);
  };
  make_repo(tmp.path() / "repo",
            {{"Makefile", makefile}, {"src/trim.h", "char *trim(char *s);\n"},
             {"src/trim.c", "#include \"trim.h\"\nchar *trim(char *s) { while (*s == ' ') s++; return s; }\n"},
             {"tests/test_lead.c", test_c(" a", "a")}},
            {{"src/trim.c", "#include <string.h>\n#include \"trim.h\"\nchar *trim(char *s) {\n  while (*s == ' ') s++;\n"
                            "  size_t n = strlen(s);\n  while (n && s[n - 1] == ' ') s[--n] = 0;\n  return s;\n}\n"},
             {"tests/test_trail.c", test_c("a ", "a")}},
            "trim: also trailing spaces\n");
  const auto out = tmp.path() / "suite" / "trim-trailing";
  const auto r = task_new(tmp.path() / "repo", out, "--tests-cmd 'make -s test'");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("fail_to_pass  make -s test"), std::string::npos) << r.out;
  EXPECT_NE(core::read_file(out / "task.toml").find("language = 'c'"), std::string::npos);
}

TEST(TaskNew, ErrorsNameTheFix) {
  core::TempDir tmp("agentrace-it");
  const auto repo = tmp.path() / "repo";
  python_repo(repo);
  const auto out = tmp.path() / "suite" / "x";
  auto err = [&](const std::string& flags) {
    const auto r = task_new(repo, out, flags);
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_FALSE(fs::exists(out)) << "a failed task new leaves no folder";
    return r.err;
  };
  EXPECT_NE(err("--tests-cmd 'python3 -m unittest tests.test_ops'").find("every test passes at the base"), std::string::npos);
  EXPECT_NE(err("--tests-cmd 'python3 -m no_such_runner'").find("needs an environment that is not declared"), std::string::npos);
  EXPECT_NE(err("--tests-cmd true --test-path 'docs/'").find("changes no test file"), std::string::npos);
  EXPECT_NE(err("--tests-cmd true --test-path '*.py'").find("changes only test files"), std::string::npos);
  EXPECT_NE(err("").find("--tests-cmd"), std::string::npos);
  EXPECT_NE(err("--runner nose").find("--runner nose: not one of"), std::string::npos);
  const auto git = fmt::format("git -C {} -c user.name=t -c user.email=t@t ", repo.string());
  ASSERT_EQ(test::run_command(git + "checkout -qb side HEAD~1 && echo x > " + (repo / "x.py").string() + " && " + git +
                              "add -A && " + git + "commit -qm side && " + git + "checkout -q main && " + git +
                              "merge -q --no-edit side").exit_code, 0);
  EXPECT_NE(err("--tests-cmd true").find("is a merge commit (2 parents)"), std::string::npos);
}

}  // namespace
}  // namespace agentrace
