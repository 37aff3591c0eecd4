// A hostile agent (a `command` contender under bwrap) plants things the host used to
// interpret after the attempt: git configuration, hooks, attributes, a replaced .git,
// alternates, a nested repository, a relay rusage file that is a link, huge, or a FIFO.
// Each payload would write a marker (with the environment and any key it can find) to a
// host folder the sandbox cannot see. Nothing may run on the host, the captured diff must
// be exactly the change the agent made, and the attempt is graded as usual.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "core/fs.hpp"
#include "store/store.hpp"
#include "support/test-support.hpp"

namespace agentrace {
namespace {

namespace fs = std::filesystem;

const char* const kFix = "sed -i 's/i < \\$#/i <= \\$#/' sum.sh\n";

struct Attack {
  std::string name;
  std::string plant;   // run in the sandbox only, after change; $P runs the payload, $H is HOME's host path
  std::string change;  // work tree edits, also replayed on a clean repository for the expected diff
  std::string on_disk = {};  // bytes the diff must carry as they are on disk
};

void PrintTo(const Attack& a, std::ostream* os) { *os << a.name; }

std::string toml_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

class HostileGit : public ::testing::TestWithParam<Attack> {
 protected:
  core::TempDir tmp{"agentrace-hostile"};
  fs::path marker() const { return tmp.path() / "escaped"; }
  fs::path db() const { return tmp.path() / "results.db"; }
  fs::path suite() const { return test::data_dir() / "suites" / "tiny"; }

  // Writes a marker on the host with whatever it can see: env, every process's key.
  std::string payload() const {
    return fmt::format("{{ id; env; cat /proc/[0-9]*/environ | tr '\\000' '\\n' | grep -a API_KEY; }} > {} 2>/dev/null "
                       "|| true",
                       marker().string());
  }

  test::CommandResult race(const std::string& script, const std::string& extra = "") {
    const auto prologue = fmt::format("set -e\nP='{}'\nH=$(grep ' /home/agent ' /proc/self/mountinfo | cut -d' ' -f4)\n",
                                      payload());
    const auto file = tmp.path() / "race.toml";
    core::write_file(file, fmt::format("name = \"hostile\"\nsuite = \"{}\"\nsandbox = \"bwrap\"\n"
                                       "[[contenders]]\nname = \"attacker\"\nscaffold = \"command\"\n"
                                       "command = [\"bash\", \"-c\", {}]\n{}",
                                       suite().string(), toml_string(prologue + script), extra));
    return test::run_command(fmt::format("ANTHROPIC_API_KEY=sk-ant-host-secret {} run {} --db {} --quiet",
                                         test::binary().string(), file.string(), db().string()));
  }

  store::AttemptRecord attempt() {
    store::Store s(db());
    const auto a = s.attempts(s.races().back().id);
    EXPECT_EQ(a.size(), 1u);
    return a.at(0);
  }

  // The diff a clean repository of the task's files shows for the same edits: the bytes
  // on disk, whatever attributes the edits add.
  std::string expected_diff(const std::string& change) {
    const auto repo = tmp.path() / "expected";
    fs::copy(suite() / "shell-sum" / "repo", repo, fs::copy_options::recursive);
    core::write_file(tmp.path() / "change.sh", "set -e\n" + change);
    const auto git = "GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null git -c user.name=t -c user.email=t@t";
    const auto r = test::run_command(fmt::format(
        "cd {0} && {1} init -q && {1} add -A && {1} commit -qm base && "
        "echo '* -text !eol -ident !working-tree-encoding' > .git/info/attributes && bash {2} && {1} add -A && "
        "{1} diff --cached --binary --no-renames HEAD",
        repo.string(), git, (tmp.path() / "change.sh").string()));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }

  std::string escaped() const { return fs::exists(marker()) ? core::read_file(marker()).substr(0, 600) : std::string(); }
};

TEST_P(HostileGit, NothingRunsOnTheHostAndTheDiffIsExact) {
  const auto& attack = GetParam();
  const auto r = race(attack.change + attack.plant);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(marker())) << "the payload ran on the host:\n" << escaped();
  const auto a = attempt();
  EXPECT_EQ(a.state, store::AttemptState::done) << a.failure_detail;
  EXPECT_EQ(a.diff, expected_diff(attack.change));
  EXPECT_NE(a.diff.find(attack.on_disk), std::string::npos) << a.diff;
  EXPECT_EQ(a.auto_grade, 3) << a.grade_detail << "\n" << a.diff;
}

const std::string kHooks =
    "for h in pre-commit post-index-change post-checkout post-commit reference-transaction pre-auto-gc; do\n"
    "  printf '#!/bin/sh\\n%s\\n' \"$P\" > .git/hooks/$h; chmod +x .git/hooks/$h\ndone\n";

// A git dir the agent made in its HOME, with every hook and setting that runs a command;
// the host path of HOME comes from the sandbox's mountinfo.
const std::string kEvilGitDir =
    "git init -q \"$HOME/evil\"\n"
    "git -C \"$HOME/evil\" config core.fsmonitor \"$P\"\n"
    "for h in post-index-change pre-commit; do\n"
    "  printf '#!/bin/sh\\n%s\\n' \"$P\" > \"$HOME/evil/.git/hooks/$h\"; chmod +x \"$HOME/evil/.git/hooks/$h\"\n"
    "done\n";

INSTANTIATE_TEST_SUITE_P(
    Plants, HostileGit,
    ::testing::Values(
        Attack{"fsmonitor", "git config core.fsmonitor \"$P\"\n", kFix},
        Attack{"filter_and_attributes",
               "git config filter.evil.clean \"$P; cat\"\ngit config filter.evil.smudge \"$P; cat\"\n"
               "git config filter.evil.required true\necho '* filter=evil' > .git/info/attributes\n",
               std::string(kFix) + "echo '*.sh filter=evil' > .gitattributes\n"},
        Attack{"hooks", kHooks + "git config core.hooksPath .git/hooks\n", kFix},
        Attack{"include_and_include_if",
               "git config --file .git/evil.cfg core.fsmonitor \"$P\"\n"
               "git config include.path evil.cfg\ngit config includeIf.onbranch:main.path evil.cfg\n",
               kFix},
        Attack{"pager_ssh_credential",
               "for k in core.pager pager.diff pager.add core.sshCommand credential.helper core.editor "
               "sequence.editor gpg.program; do git config $k \"$P\"; done\n",
               kFix},
        Attack{"diff_drivers_and_textconv",
               "git config diff.external \"$P\"\ngit config diff.evil.textconv \"$P; cat\"\n"
               "git config diff.evil.command \"$P\"\necho '* diff=evil' > .git/info/attributes\n",
               std::string(kFix) + "echo '*.sh diff=evil' > .gitattributes\n"},
        Attack{"attributes_that_rewrite_content", "",
               std::string(kFix) + "printf '* text eol=crlf ident working-tree-encoding=UTF-16\\n' > .gitattributes\n"
                                   "printf 'a\\r\\nb $Id: forged $\\n' > notes.txt\n",
               "+a\r\n+b $Id: forged $\n"},
        Attack{"git_dir_replaced_by_gitdir_file",
               kEvilGitDir + "rm -rf .git\necho \"gitdir: $H/evil/.git\" > .git\n", kFix},
        Attack{"git_dir_replaced_by_symlink", kEvilGitDir + "rm -rf .git\nln -s \"$H/evil/.git\" .git\n", kFix},
        Attack{"alternates_and_refs_elsewhere",
               kEvilGitDir + "echo \"$H/evil/.git/objects\" > .git/objects/info/alternates\n"
                             "git -C \"$HOME/evil\" commit -q --allow-empty -m x\n"
                             "git update-ref refs/heads/main $(git -C \"$HOME/evil\" rev-parse HEAD) || true\n"
                             "echo 'ref: refs/heads/elsewhere' > .git/HEAD\n",
               kFix},
        Attack{"nested_repository",
               "git -C lib config core.fsmonitor \"$P\"\ngit -C lib config filter.evil.clean \"$P; cat\"\n"
               "echo '* filter=evil' > lib/.gitattributes\necho y >> lib/x\n",
               std::string(kFix) + "git init -q lib\necho x > lib/x\ngit -C lib add -A\n"
                                   "GIT_AUTHOR_DATE=2000-01-01T00:00:00Z GIT_COMMITTER_DATE=2000-01-01T00:00:00Z "
                                   "git -C lib -c user.name=a -c user.email=a@a commit -q -m x\n",
               "+Subproject commit "},
        Attack{"ignored_unreadable_links_and_binary", "chmod 000 locked/f locked\n",
               std::string(kFix) + "printf 'secret.txt\\n' > .gitignore\necho s > secret.txt\n"
                                   "mkdir -p locked && echo l > locked/f\n"
                                   "ln -s /etc/shadow shadow-link\nprintf '\\x00\\x01bin' > blob.bin\n",
               "new file mode 120000"}),
    [](const auto& info) { return info.param.name; });

// The relay reports the agent's CPU time and memory on its fd 3, a host file the agent can
// reach neither by inheritance nor through /proc/<relay>/fd (the relay is undumpable); a
// file in HOME, where the report once lay, is not read (an agent that wrote it and killed
// the relay set its own figures: HostileOutput.AKilledRelayLeavesBwrapsFiguresNotForgedOnes).
class HostileRusage : public HostileGit {
 protected:
  static std::string sim_endpoint() { return "model = \"sim-model\"\n[contenders.endpoint]\nsim = \"zero\"\n"; }
};

TEST_F(HostileRusage, TheAgentCannotWriteItsOwnFigures) {
  const std::string forged = "{\"user_s\": 4242.5, \"sys_s\": 0, \"max_rss_kb\": 1}";
  const auto r = race(fmt::format("echo '{0}' > $HOME/.agentrace-rusage.json\n"
                                  "if echo '{0}' >&3; then echo 'fd 3: open' >> tried.txt; else echo 'fd 3: closed' >> tried.txt; fi\n"
                                  "if echo '{0}' > /proc/$PPID/fd/3; then echo 'proc: open' >> tried.txt; else echo 'proc: refused' >> tried.txt; fi\n"
                                  "head -c 200000000 /dev/zero | md5sum > /dev/null\n{1}",
                                  forged, kFix),
                      sim_endpoint());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto a = attempt();
  EXPECT_LT(a.user_s, 4000) << "the agent set its own CPU time";
  EXPECT_GT(a.user_s, 0.05) << "the relay's figures are the agent's work (200 MB hashed), not bwrap's";
  EXPECT_GT(a.max_rss_kb, 1);
  EXPECT_NE(a.diff.find("+fd 3: closed"), std::string::npos) << a.diff;
  EXPECT_NE(a.diff.find("+proc: refused"), std::string::npos) << a.diff;
  EXPECT_EQ(test::record_text(a.time_split).find("rusage"), std::string::npos) << test::record_text(a.time_split);
  EXPECT_EQ(a.auto_grade, 3) << a.grade_detail;
}

}  // namespace
}  // namespace agentrace
