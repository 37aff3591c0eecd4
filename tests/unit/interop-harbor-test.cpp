// Reading a Harbor task's Dockerfile without a container engine: the final stage's WORKDIR,
// the files COPY and ADD put under it, ENV, and what is not reproduced, each by its line.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "interop/harbor.hpp"

namespace agentrace::interop {
namespace {

namespace fs = std::filesystem;

TEST(HarborDockerfile, ReadsTheFinalStage) {
  core::TempDir tmp("harbor-dockerfile");
  core::write_file(tmp.path() / "Dockerfile", R"(# a builder stage is not the task's
FROM golang:1.22 AS build
WORKDIR /src
COPY main.go .
FROM --platform=linux/amd64 python:3.13-slim
RUN apt-get update && \
    apt-get install -y jq
WORKDIR /app
COPY --chown=1000 ["src/", "lib dir/", "./"]
copy data.csv data/
ADD https://example.com/x.tgz /opt/
COPY --from=build /src/app /usr/local/bin/app
ENV A=1 B="two words"
ENV C three words
WORKDIR sub
CMD ["bash"]
)");
  const auto d = read_dockerfile(tmp.path() / "Dockerfile");
  EXPECT_EQ(d.from, "python:3.13-slim");
  EXPECT_EQ(d.workdir, fs::path("/app/sub"));
  ASSERT_EQ(d.copies.size(), 3u);
  EXPECT_EQ(d.copies[0].line, 9);
  EXPECT_EQ(d.copies[0].sources, (std::vector<std::string>{"src/", "lib dir/"}));
  EXPECT_EQ(d.copies[0].dest, "/app/./");
  EXPECT_EQ(d.copies[1].dest, "/app/data/");
  EXPECT_EQ(d.copies[2].dest, "/opt/");
  EXPECT_EQ(d.env, (std::vector<std::pair<std::string, std::string>>{{"A", "1"}, {"B", "two words"}, {"C", "three words"}}));
  ASSERT_EQ(d.not_reproduced.size(), 3u);
  EXPECT_EQ(d.not_reproduced[0], "line 6: RUN apt-get update &&      apt-get install -y jq");
  EXPECT_EQ(d.not_reproduced[1].rfind("line 11: ADD https://example.com/x.tgz (a download)", 0), 0u) << d.not_reproduced[1];
  EXPECT_EQ(d.not_reproduced[2].rfind("line 12: COPY --from=build", 0), 0u) << d.not_reproduced[2];
}

TEST(HarborDockerfile, CopiesWhatLandsUnderTheWorkdirAndNotesTheRest) {
  core::TempDir tmp("harbor-dockerfile");
  const auto ctx = tmp.path() / "ctx";
  core::write_file(ctx / "Dockerfile", "FROM x\nWORKDIR /app\nCOPY src/ lib/\nCOPY a.txt b.txt ./\nCOPY a.txt /app/renamed\n"
                                       "COPY *.cfg conf/\nCOPY a.txt /etc/a\nCOPY missing .\n");
  core::write_file(ctx / "src/m.py", "m");
  core::write_file(ctx / "src/pkg/n.py", "n");
  core::write_file(ctx / "a.txt", "a");
  core::write_file(ctx / "b.txt", "b");
  core::write_file(ctx / "one.cfg", "1");
  fs::create_symlink("/etc/passwd", ctx / "src/leak");
  core::write_file(ctx / "src/.git/HEAD", "ref: refs/heads/main\n");
  std::vector<std::string> notes;
  const auto d = read_dockerfile(ctx / "Dockerfile");
  materialise_workdir(d, ctx, d.workdir, tmp.path() / "repo", notes);
  const auto repo = tmp.path() / "repo";
  EXPECT_EQ(core::read_file(repo / "lib/m.py"), "m");  // a folder's contents, not the folder
  EXPECT_EQ(core::read_file(repo / "lib/pkg/n.py"), "n");
  EXPECT_EQ(core::read_file(repo / "a.txt"), "a");
  EXPECT_EQ(core::read_file(repo / "b.txt"), "b");
  EXPECT_EQ(core::read_file(repo / "renamed"), "a");
  EXPECT_EQ(core::read_file(repo / "conf/one.cfg"), "1");
  EXPECT_FALSE(fs::exists(fs::symlink_status(repo / "lib/leak")));
  EXPECT_FALSE(fs::exists(repo / "lib/.git"));  // a nested .git would be taken for a submodule
  std::string all;
  for (const auto& n : notes) all += n + "\n";
  EXPECT_NE(all.find("leak: not a plain file or folder (a link?), left out"), std::string::npos) << all;
  EXPECT_NE(all.find("line 7: /etc/a is outside the workdir /app"), std::string::npos) << all;
  EXPECT_NE(all.find("line 8: missing is not in the build context"), std::string::npos) << all;
}

TEST(HarborDockerfile, ACopyWithoutADestinationNamesTheLine) {
  core::TempDir tmp("harbor-dockerfile");
  core::write_file(tmp.path() / "Dockerfile", "FROM x\n\nCOPY onlyone\n");
  try {
    read_dockerfile(tmp.path() / "Dockerfile");
    FAIL() << "accepted";
  } catch (const core::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("Dockerfile:3: COPY: needs a source and a destination"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace agentrace::interop
