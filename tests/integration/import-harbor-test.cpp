// `agentrace import harbor` on task folders in Harbor's layout (task.toml, instruction.md,
// environment/Dockerfile, tests/test.sh writing /logs/verifier/reward.*, solution/solve.sh):
// they import (solve.sh run once in the sandbox for the fix), validate, race (oracle, nop,
// a partial fix, the built-in agent on the sim) with the workspace at /app and the verifier
// at /tests, and export predictions.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/fs.hpp"
#include "support/test-support.hpp"

namespace agentrace {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Python, a binary reward in reward.txt, pytest from the host (the Dockerfile's RUN is not run).
void median_task(const fs::path& dir) {
  core::write_file(dir / "task.toml", R"(version = "1.0"

[metadata]
author_name = "Ada"
author_email = "ada@example.com"
difficulty = "easy"
category = "programming"
tags = ["python", "stats"]

[verifier]
timeout_sec = 120.0

[agent]
timeout_sec = 300.0

[environment]
build_timeout_sec = 600.0
cpus = 1
memory_mb = 2048
)");
  core::write_file(dir / "instruction.md", "# Fix the median\n\n`median()` in /app/stats.py is wrong for lists of even length.\n");
  core::write_file(dir / "environment/Dockerfile", "FROM python:3.13-slim-bookworm\nRUN pip install --no-cache-dir \\\n"
                                                   "    pytest==8.3.4\nWORKDIR /app\nCOPY stats.py /app/stats.py\n"
                                                   "ENV PYTHONDONTWRITEBYTECODE=1\n");
  core::write_file(dir / "environment/stats.py", "def median(xs):\n    xs = sorted(xs)\n    return xs[len(xs) // 2]\n");
  core::write_file(dir / "tests/test.sh", "#!/bin/bash\ncd /app\ncommand -v pytest >/dev/null || pip install pytest\npython3 -m pytest -q -p no:cacheprovider /tests/test_outputs.py\n"
                                          "if [ $? -eq 0 ]; then echo 1 > /logs/verifier/reward.txt; "
                                          "else echo 0 > /logs/verifier/reward.txt; fi\n");
  core::write_file(dir / "tests/test_outputs.py", "import sys\nsys.path.insert(0, '/app')\nfrom stats import median\n\n\n"
                                                  "def test_odd():\n    assert median([3, 1, 2]) == 2\n\n\n"
                                                  "def test_even():\n    assert median([4, 1, 3, 2]) == 2.5\n");
  core::write_file(dir / "solution/solve.sh", "#!/bin/bash\ncat > /app/stats.py <<'EOF'\ndef median(xs):\n    xs = sorted(xs)\n"
                                              "    n = len(xs)\n    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2\nEOF\n");
}

// Shell, a partial reward in reward.json, the whole build context copied, the verifier's env.
void wordcount_task(const fs::path& dir) {
  core::write_file(dir / "task.toml", "[task]\nname = \"acme/word-count\"\nkeywords = [\"shell\"]\n\n[verifier]\n"
                                      "timeout_sec = 60\nenv = { MODE = \"words\" }\n");
  core::write_file(dir / "instruction.md", "Make /app/wc.sh print the number of words in the file it is given.\n");
  core::write_file(dir / "environment/Dockerfile", "FROM ubuntu:24.04\nWORKDIR /app\nCOPY . .\nCOPY notes.txt /etc/notes.txt\n");
  core::write_file(dir / "environment/wc.sh", "#!/bin/bash\nwc -l < \"$1\"\n");
  core::write_file(dir / "environment/notes.txt", "not in the workdir\n");
  core::write_file(dir / "tests/one.txt", "a b c\n");
  core::write_file(dir / "tests/two.txt", "a b\nc d e\n");
  core::write_file(dir / "tests/test.sh", R"SH(#!/bin/bash
[ "$MODE" = words ] || exit 1
score=0
[ "$(bash /app/wc.sh /tests/one.txt | tr -d ' ')" = 3 ] && score=$((score + 1))
[ "$(bash /app/wc.sh /tests/two.txt | tr -d ' ')" = 5 ] && score=$((score + 1))
case $score in 2) r=1 ;; 1) r=0.5 ;; *) r=0 ;; esac
printf '{"reward": %s}\n' "$r" > /logs/verifier/reward.json
)SH");
  core::write_file(dir / "solution/solve.sh", "#!/bin/bash\nprintf '#!/bin/bash\\nwc -w < \"$1\"\\n' > wc.sh\n");
}

std::string contenders(const fs::path& suite) {
  return fmt::format(R"(name = "harbor"
suite = "{}"
[[contenders]]
name = "oracle"
scaffold = "oracle"
[[contenders]]
name = "nop"
scaffold = "nop"
[[contenders]]
name = "first-line"
scaffold = "command"
command = ["bash", "-c", "printf '#!/bin/bash\\nhead -1 \"$1\" | wc -w\\n' > /app/wc.sh"]
[[contenders]]
name = "peek"
scaffold = "command"
command = ["bash", "-c", "cd /app && (ls /tests /logs /solution; pwd) > peek.txt 2>&1"]
[[contenders]]
name = "builtin-sim"
scaffold = "builtin"
model = "sim-model"
[contenders.endpoint]
sim = "zero"
)", suite.string());
}

TEST(ImportHarbor, ImportsValidatesRacesAndExports) {
  core::TempDir tmp("agentrace-it");
  median_task(tmp.path() / "harbor" / "fix-median");
  wordcount_task(tmp.path() / "harbor" / "word-count");
  const auto suite = tmp.path() / "suite";
  const auto bin = test::binary().string();
  const auto imp = test::run_command(fmt::format("{} import harbor {} --out {}", bin, (tmp.path() / "harbor").string(),
                                                 suite.string()));
  ASSERT_EQ(imp.exit_code, 0) << imp.out << imp.err;
  // What has no counterpart is said, not dropped silently.
  EXPECT_NE(imp.out.find("line 2: RUN pip install"), std::string::npos) << imp.out;
  EXPECT_NE(imp.out.find("environment.cpus"), std::string::npos) << imp.out;
  EXPECT_NE(imp.out.find("/etc/notes.txt is outside the workdir /app"), std::string::npos) << imp.out;
  EXPECT_NE(imp.out.find("tests/test.sh fetches or installs at grading ('pip install')"), std::string::npos) << imp.out;
  const auto median = core::read_file(suite / "fix-median" / "task.toml");
  EXPECT_NE(median.find("workdir = '/app'"), std::string::npos) << median;
  EXPECT_NE(median.find("at = '/tests'"), std::string::npos) << median;
  EXPECT_NE(median.find("PYTHONDONTWRITEBYTECODE = '1'"), std::string::npos) << median;
  EXPECT_NE(median.find("agent_seconds = 300"), std::string::npos) << median;
  EXPECT_TRUE(fs::exists(suite / "fix-median" / "repo" / "stats.py"));
  EXPECT_FALSE(fs::exists(suite / "fix-median" / "repo" / "tests"));  // the verifier stays out of the workspace
  EXPECT_NE(core::read_file(suite / "fix-median" / "fix.patch").find("+    n = len(xs)"), std::string::npos);
  const auto wc = core::read_file(suite / "word-count" / "task.toml");
  EXPECT_NE(wc.find("cmd = \"env MODE='words' bash /tests/test.sh\""), std::string::npos) << wc;
  EXPECT_TRUE(fs::exists(suite / "word-count" / "repo" / "Dockerfile"));  // COPY . . copies the context, as docker does
  EXPECT_NE(core::read_file(suite / "word-count" / "fix.patch").find("+wc -w"), std::string::npos);

  const auto v = test::run_command(fmt::format("{} validate {}", bin, suite.string()));
  ASSERT_EQ(v.exit_code, 0) << v.out << v.err;

  core::write_file(tmp.path() / "race.toml", contenders(suite));
  const auto db = tmp.path() / "r.db";
  const auto run = test::run_command(fmt::format("{} run {} --db {} --work {} -q", bin, (tmp.path() / "race.toml").string(),
                                                 db.string(), (tmp.path() / "work").string()));
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const auto rows = test::run_command(fmt::format("{} report --db {} --attempts --format json", bin, db.string()));
  ASSERT_EQ(rows.exit_code, 0) << rows.err;
  std::map<std::string, int> grade;  // "contender task" -> grade
  for (const auto& a : json::parse(rows.out))
    grade[a.at("contender").get<std::string>() + " " + a.at("task").get<std::string>()] = a.value("grade", -1);
  EXPECT_EQ(grade["oracle fix-median"], 3);
  EXPECT_EQ(grade["oracle word-count"], 3);
  EXPECT_EQ(grade["nop word-count"], 0);
  EXPECT_EQ(grade["first-line word-count"], 1) << rows.out;  // reward 0.5: some checks pass
  EXPECT_EQ(grade.count("builtin-sim fix-median"), 1u);

  const auto pred = test::run_command(fmt::format("{} report --db {} --format swe-bench", bin, db.string()));
  ASSERT_EQ(pred.exit_code, 0) << pred.err;
  std::istringstream lines(pred.out);
  int n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    const auto j = json::parse(line);
    EXPECT_TRUE(j.at("instance_id").is_string() && j.at("model_name_or_path").is_string() && j.at("model_patch").is_string());
  }
  EXPECT_EQ(n, 10) << pred.out;
  // The agent's sandbox has the workdir, and neither the verifier, its logs nor the solution.
  const auto rows_text = test::run_command(fmt::format("{} report --db {} --format swe-bench", bin, db.string())).out;
  const auto peek = rows_text.substr(rows_text.find("\"model_name_or_path\":\"peek\""));
  for (const char* gone : {"ls: cannot access '/tests'", "ls: cannot access '/logs'", "ls: cannot access '/solution'", "+/app"})
    EXPECT_NE(peek.find(gone), std::string::npos) << gone << "\n" << peek.substr(0, 800);
}

// With --images, the base is the image's workdir (what its RUN lines made), and the task
// runs in the image: an image made here from the host's bash and libc, with /app/thing.txt.
TEST(ImportHarbor, WithItsImageTheWorkdirComesFromTheImage) {
  core::TempDir tmp("agentrace-it");
  const auto made = test::run_command(fmt::format(
      "set -e; {1}mkdir -p $r/app; echo broken > $r/app/thing.txt; umoci init --layout {0}/images/fix-thing; "
      "umoci new --image {0}/images/fix-thing:t; umoci insert --image {0}/images/fix-thing:t $r /",
      tmp.path().string(), test::bash_rootfs_script(tmp.path() / "rootfs")));
  ASSERT_EQ(made.exit_code, 0) << made.err << " (scripts/setup installs umoci)";
  const auto t = tmp.path() / "harbor" / "fix-thing";
  core::write_file(t / "task.toml", "schema_version = \"1.4\"\n[task]\nname = \"org/fix-thing\"\n");
  core::write_file(t / "instruction.md", "Make /app/thing.txt say fixed.\n");
  core::write_file(t / "environment/Dockerfile", "FROM ubuntu:24.04\nWORKDIR /app\nRUN echo broken > thing.txt\n");
  core::write_file(t / "tests/test.sh", "read -r line < /app/thing.txt\n"
                                        "if [[ $line == fixed ]]; then echo 1; else echo 0; fi > /logs/verifier/reward.txt\n");
  core::write_file(t / "solution/solve.sh", "echo fixed > /app/thing.txt\n");
  const auto bin = test::binary().string();
  const auto suite = tmp.path() / "suite";
  const auto imp = test::run_command(fmt::format("{} import harbor {} --out {} --images {}", bin, t.string(), suite.string(),
                                                 (tmp.path() / "images").string()));
  ASSERT_EQ(imp.exit_code, 0) << imp.out << imp.err;
  EXPECT_EQ(core::read_file(suite / "fix-thing" / "repo" / "thing.txt"), "broken\n");
  EXPECT_NE(imp.out.find("the workdir's files come from the image fix-thing"), std::string::npos) << imp.out;
  EXPECT_EQ(imp.out.find("RUN echo broken"), std::string::npos) << imp.out;  // the image has its effect
  EXPECT_NE(core::read_file(suite / "fix-thing" / "task.toml").find("images/fix-thing'"), std::string::npos);
  const auto v = test::run_command(fmt::format("{} validate {}", bin, suite.string()));
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.err.find("hold (oracle Complete, nop Miss)"), std::string::npos) << v.err;
}

TEST(ImportHarbor, ErrorsSayWhatIsMissing) {
  core::TempDir tmp("agentrace-it");
  const auto bin = test::binary().string();
  auto err = [&](const fs::path& dir) {
    const auto r = test::run_command(fmt::format("{} import harbor {} --out {}", bin, dir.string(), (tmp.path() / "s").string()));
    EXPECT_EQ(r.exit_code, 2) << r.out;
    return r.err;
  };
  EXPECT_NE(err(tmp.path() / "nothing").find("neither a Harbor task folder"), std::string::npos);
  core::write_file(tmp.path() / "t" / "task.toml", "version = \"1.0\"\n");
  EXPECT_NE(err(tmp.path() / "t").find("no instruction.md"), std::string::npos);
  core::write_file(tmp.path() / "t" / "instruction.md", "do it\n");
  EXPECT_NE(err(tmp.path() / "t").find("no tests/test.sh"), std::string::npos);
  core::write_file(tmp.path() / "t" / "task.toml", "version = \n");
  EXPECT_NE(err(tmp.path() / "t").find("task.toml:1:"), std::string::npos);
}

}  // namespace
}  // namespace agentrace
