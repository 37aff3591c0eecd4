// The static site in a real browser: `agentrace report --html` over a synthetic store
// (tests/data/report/synthetic-race.hpp), then Debian's headless chromium loads every
// top page and a few attempt pages. Checks: the scatter's points (data attributes) match
// figures computed here from the store, every page loads and says "simulated", links
// resolve, nothing is fetched from the network. Screenshots go to
// <build>/test-artifacts/site-*.png.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <regex>

#include <fmt/format.h>

#include "../data/report/synthetic-race.hpp"
#include "core/fs.hpp"
#include "core/stats.hpp"
#include "store/store.hpp"
#include "support/test-support.hpp"

namespace agentrace {
namespace {

namespace fs = std::filesystem;

std::string chromium() {
  for (const char* name : {"chromium", "chromium-browser"}) {
    if (test::run_command(fmt::format("command -v {}", name)).exit_code == 0) return name;
  }
  return "";
}

std::string browser_flags(const fs::path& profile) {
  return fmt::format("--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update "
                     "--disable-sync --no-first-run --user-data-dir={}",
                     profile.string());
}

std::map<std::string, std::string> attrs(const std::string& tag) {
  std::map<std::string, std::string> out;
  const std::regex re(R"re(([a-z-]+)="([^"]*)")re");
  for (std::sregex_iterator it(tag.begin(), tag.end(), re), end; it != end; ++it) out[(*it)[1]] = (*it)[2];
  return out;
}

// <g class="point" ...> opening tags, as the browser serialized them.
std::vector<std::map<std::string, std::string>> points(const std::string& dom) {
  std::vector<std::map<std::string, std::string>> out;
  const std::regex re(R"re(<g class="point"[^>]*>)re");
  for (std::sregex_iterator it(dom.begin(), dom.end(), re), end; it != end; ++it) out.push_back(attrs(it->str()));
  return out;
}

struct Expected {
  double median_wall = 0, mean_grade = 0;
};

std::map<std::string, Expected> expected_points(store::Store& db, const std::string& race_id) {
  std::map<std::string, std::vector<double>> walls, grades;
  for (const auto& a : db.attempts(race_id)) {
    if (!a.grade) continue;
    walls[a.contender].push_back(a.wall_s);
    grades[a.contender].push_back(*a.grade);
  }
  std::map<std::string, Expected> out;
  for (const auto& [c, w] : walls) out[c] = {core::median(w), core::mean(grades[c])};
  return out;
}

std::string html_unescape(std::string s) {
  for (const auto& [from, to] : {std::pair{"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&amp;", "&"}}) {
    for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos)) s.replace(pos, std::strlen(from), to);
  }
  return s;
}

class Site : public ::testing::Test {
 protected:
  void SetUp() override {
    browser_ = chromium();
    if (browser_.empty()) GTEST_SKIP() << "chromium not installed (scripts/setup installs it)";
    db_ = std::make_unique<store::Store>(tmp_.path() / "results.db");
    race_ = test::SyntheticRace(*db_, {4, 3, true, true, "site"}).write();
    site_ = tmp_.path() / "site";
    const auto r = test::run_command(fmt::format("{} report --db {} --html {}", test::binary().string(),
                                                 (tmp_.path() / "results.db").string(), site_.string()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_EQ(fs::path(r.out.substr(0, r.out.find('\n'))), fs::absolute(site_ / "index.html")) << r.out;
  }

  std::string dump_dom(const fs::path& page) {
    const auto r = test::run_command(fmt::format("timeout 120 {} {} --dump-dom file://{} 2>/dev/null", browser_,
                                                 browser_flags(tmp_.path() / "profile"), page.string()));
    EXPECT_EQ(r.exit_code, 0) << page;
    return r.out;
  }

  void screenshot(const fs::path& page, const std::string& name) {
    const auto png = tmp_.path() / (name + ".png");
    const auto r = test::run_command(fmt::format("timeout 120 {} {} --screenshot={} --window-size=1280,2000 file://{} 2>&1",
                                                 browser_, browser_flags(tmp_.path() / "profile"), png.string(),
                                                 page.string()));
    ASSERT_EQ(r.exit_code, 0) << r.out;
    ASSERT_GT(fs::file_size(png), 10000u) << "screenshot of " << page << " looks empty";
    const auto artifacts = test::binary().parent_path() / "test-artifacts";
    fs::create_directories(artifacts);
    fs::copy_file(png, artifacts / (name + ".png"), fs::copy_options::overwrite_existing);
  }

  core::TempDir tmp_{"site-test"};
  std::string browser_;
  std::unique_ptr<store::Store> db_;
  store::RaceRow race_;
  fs::path site_;
};

TEST_F(Site, PlotPointsMatchTheStore) {
  const auto dom = dump_dom(site_ / "index.html");
  const auto pts = points(dom);
  const auto expected = expected_points(*db_, race_.id);
  ASSERT_EQ(pts.size(), expected.size()) << dom.substr(0, 2000);
  for (const auto& p : pts) {
    const auto name = html_unescape(p.at("data-contender"));
    ASSERT_TRUE(expected.count(name)) << name;
    EXPECT_NEAR(std::stod(p.at("data-x")), expected.at(name).median_wall, 5e-4) << name;
    EXPECT_NEAR(std::stod(p.at("data-y")), expected.at(name).mean_grade, 5e-4) << name;
    EXPECT_LE(std::stod(p.at("data-ci-lo")), std::stod(p.at("data-y")));
    EXPECT_GE(std::stod(p.at("data-ci-hi")), std::stod(p.at("data-y")));
  }
  const auto kinds = [&] {
    std::map<std::string, std::string> k;
    for (const auto& p : pts) k[p.at("data-contender")] = p.at("data-kind");
    return k;
  }();
  EXPECT_EQ(kinds.at("qwen-opencode"), "local");
  EXPECT_EQ(kinds.at("sonnet-claude-code"), "hosted");
  EXPECT_NE(dom.find("class=\"sortable\""), std::string::npos);
  screenshot(site_ / "index.html", "site-index");
}

TEST_F(Site, EveryPageLoadsAndSaysSimulated) {
  std::vector<fs::path> pages;
  for (const char* p : {"index.html", "tasks.html", "contenders.html", "about.html"}) pages.push_back(site_ / p);
  const auto attempts = db_->attempts(race_.id);
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(site_ / "attempts")) {
    const auto text = core::read_file(e.path());
    EXPECT_NE(text.find("id=\"simulated-banner\""), std::string::npos) << e.path();
    EXPECT_NE(text.find("</html>"), std::string::npos) << e.path();
    ++files;
  }
  EXPECT_EQ(files, attempts.size());
  // In the browser: an attempt with calls and a fix, the infrastructure error, the pending one.
  for (const char* id : {"task-0000-qwen-opencode-0", "task-0000-sonnet-claude-code-1", "task-0003-mini-codex-2"})
    pages.push_back(site_ / "attempts" / (std::string(id) + ".html"));
  for (const auto& page : pages) {
    const auto dom = dump_dom(page);
    EXPECT_NE(dom.find("</main>"), std::string::npos) << page;
    EXPECT_NE(dom.find("simulated-banner"), std::string::npos) << page;
    EXPECT_NE(dom.find("Simulated endpoint."), std::string::npos) << page;
  }
  screenshot(pages[4], "site-attempt");
  screenshot(pages[1], "site-tasks");
  screenshot(pages[3], "site-about");
}

TEST_F(Site, AboutPageShowsAgreementOfGradeSources) {
  // Automatic vs judge over the judged attempts, counted here from the store.
  int n = 0, same = 0;
  for (const auto& a : db_->attempts(race_.id)) {
    if (!a.judge_grade || !a.auto_grade) continue;
    ++n;
    same += *a.judge_grade == *a.auto_grade;
  }
  ASSERT_GT(n, 0);
  ASSERT_LT(same, n);
  const auto dom = dump_dom(site_ / "about.html");
  const std::regex row(R"re(<tr><td[^>]*>automatic vs judge</td><td[^>]*>(\d+)</td><td[^>]*>(\d+)%</td>)re");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(dom, m, row)) << dom.substr(dom.find("id=\"agreement\""), 3000);
  EXPECT_EQ(std::stoi(m[1]), n);
  EXPECT_EQ(std::stoi(m[2]), static_cast<int>(std::lround(100.0 * same / n)));
  EXPECT_NE(dom.find("id=\"confusion-automatic-judge\""), std::string::npos);
  EXPECT_NE(dom.find("weighted κ (linear)"), std::string::npos);
  EXPECT_NE(dump_dom(site_ / "index.html").find("about.html#agreement"), std::string::npos);
}

TEST_F(Site, AttemptPageShowsFixCallsAndTests) {
  const auto dom = dump_dom(site_ / "attempts" / "task-0000-qwen-opencode-0.html");  // graded, with calls
  EXPECT_NE(dom.find("The shipped fix"), std::string::npos);
  EXPECT_NE(dom.find("class=\"add\""), std::string::npos);
  EXPECT_NE(dom.find("last_record"), std::string::npos);           // the test outcome
  EXPECT_NE(dom.find("Model calls of this attempt"), std::string::npos);  // the time line
  EXPECT_NE(dom.find("Fixed the off-by-one"), std::string::npos);  // the agent's output
}

TEST_F(Site, LinksResolveAndNothingIsFetched) {
  const std::regex link(R"re((href|src)="([^"#]*)(#[^"]*)?")re");
  int checked = 0;
  for (const auto& e : fs::recursive_directory_iterator(site_)) {
    if (e.path().extension() != ".html") continue;
    const auto text = core::read_file(e.path());
    for (const char* remote : {"src=\"http", "href=\"http", "url(http", "@import"})
      EXPECT_EQ(text.find(remote), std::string::npos) << e.path() << " fetches " << remote;
    for (std::sregex_iterator it(text.begin(), text.end(), link), end; it != end; ++it) {
      const std::string target = (*it)[2];
      if (target.empty()) continue;
      EXPECT_TRUE(fs::exists(e.path().parent_path() / target)) << e.path() << " -> " << target;
      ++checked;
    }
  }
  EXPECT_GT(checked, 100);
}

TEST_F(Site, ABrokenTemplateIsNamed) {
  const auto copy = tmp_.path() / "templates";
  fs::copy(test::source_dir() / "templates", copy, fs::copy_options::recursive);
  core::write_file(copy / "site" / "tasks.html", "{{#tasks}} never closed");
  const auto r = test::run_command(fmt::format("AGENTRACE_TEMPLATES={} {} report --db {} --html {}", copy.string(),
                                               test::binary().string(), (tmp_.path() / "results.db").string(),
                                               (tmp_.path() / "other").string()));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find((copy / "site" / "tasks.html").string()), std::string::npos) << r.err;
}

}  // namespace
}  // namespace agentrace
