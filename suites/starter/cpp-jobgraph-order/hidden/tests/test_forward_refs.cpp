// Regression tests: dependencies on jobs that are declared later.
#include <map>
#include <string>

#include "check.hpp"
#include "helpers.hpp"
#include "stagehand/runner.hpp"
#include "stagehand/scheduler.hpp"

namespace {

std::string plan(const std::string& jobfile) {
    auto g = graph_from(jobfile);
    return names(g, stagehand::schedule(g));
}

std::string wave_list(const stagehand::Graph& g) {
    std::string out;
    for (const auto& wave : stagehand::waves(g)) out += "[" + names(g, wave) + "]";
    return out;
}

}  // namespace

UNIT(fwd_plan_dependency_declared_later) {
    EXPECT_EQ(plan("[test]\nafter = build\n[build]\n"), std::string("build test"));
    EXPECT_EQ(plan("[c]\nafter = b\n[b]\nafter = a\n[a]\n"), std::string("a b c"));
}

UNIT(fwd_plan_mixed_backward_and_forward) {
    // 'package' knows 'build' already but 'docs' only shows up later.
    EXPECT_EQ(plan("[build]\n[package]\nafter = build docs\n[docs]\nafter = build\n"),
              std::string("build docs package"));
}

UNIT(fwd_plan_priority_ties) {
    const char* jobfile =
        "[deploy]\nafter = test\n"
        "[lint]\n"
        "[test]\nafter = build\n"
        "[build]\n";
    EXPECT_EQ(plan(jobfile), std::string("lint build test deploy"));
    // A high priority must not pull a job ahead of a later-declared dependency.
    EXPECT_EQ(plan("[release]\npriority = 100\nafter = package\n[docs]\n[package]\n"),
              std::string("docs package release"));
    EXPECT_EQ(plan("[z]\npriority = 5\nafter = y\n[x]\npriority = 5\n[y]\npriority = 5\n"),
              std::string("x y z"));
}

UNIT(fwd_every_job_after_its_dependencies) {
    // Reverse declaration order of a small diamond-shaped pipeline.
    auto g = graph_from(
        "[release]\nafter = test-a test-b\npriority = 9\n"
        "[test-b]\nafter = build\npriority = 3\n"
        "[test-a]\nafter = build\npriority = 3\n"
        "[build]\nafter = fetch\n"
        "[fetch]\n");
    const auto order = stagehand::schedule(g);
    EXPECT_EQ(names(g, order), std::string("fetch build test-b test-a release"));
    std::map<stagehand::JobId, std::size_t> pos;
    for (std::size_t i = 0; i < order.size(); ++i) pos[order[i]] = i;
    for (stagehand::JobId id = 0; id < g.size(); ++id) {
        for (auto dep : g.deps(id)) EXPECT(pos[dep] < pos[id]);
    }
}

UNIT(fwd_run_skips_jobs_declared_before_failed_dependency) {
    auto g = graph_from("[release]\nafter = package\n[package]\nafter = build\n[build]\n");
    std::string ran;
    auto results = stagehand::run_all(g, [&](const stagehand::JobSpec& job) {
        ran += (ran.empty() ? "" : " ") + job.name;
        return job.name == "package" ? 1 : 0;
    });
    EXPECT_EQ(ran, std::string("build package"));
    EXPECT_EQ(stagehand::summarize(g, results),
              std::string("ok      build\nFAILED  package (exit 1)\nskipped release\n"
                          "1 succeeded, 1 failed, 1 skipped\n"));
}

UNIT(fwd_cycle_detected) {
    stagehand::Graph g;
    g.add_job(stagehand::JobSpec{"a", {"b"}, 0, "", 1});
    g.add_job(stagehand::JobSpec{"b", {"c"}, 0, "", 2});
    g.add_job(stagehand::JobSpec{"c", {"a"}, 0, "", 3});
    EXPECT_THROW(stagehand::schedule(g), stagehand::CycleError);
}

// --- edge cases -----------------------------------------------------------

UNIT(fwd_duplicate_forward_dependency) {
    auto g = graph_from("[app]\nafter = lib, lib\n[lib]\n");
    EXPECT_EQ(g.deps(0).size(), 1u);
    EXPECT_EQ(g.indegree(0), 1u);
    EXPECT_EQ(names(g, stagehand::schedule(g)), std::string("lib app"));
    EXPECT_EQ(wave_list(g), std::string("[lib][app]"));
    // Same dependency once as a backward and once as a forward reference.
    stagehand::Graph h;
    h.add_job(stagehand::JobSpec{"base", {}, 0, "", 1});
    h.add_job(stagehand::JobSpec{"app", {"base", "lib", "lib"}, 0, "", 2});
    h.add_job(stagehand::JobSpec{"lib", {"base"}, 0, "", 3});
    h.validate();
    EXPECT_EQ(h.indegree(1), 2u);
    EXPECT_EQ(names(h, stagehand::schedule(h)), std::string("base lib app"));
}

UNIT(fwd_roots_indegree_and_waves) {
    auto g = graph_from(
        "[release]\nafter = test docs\n"
        "[test]\nafter = build\n"
        "[docs]\n"
        "[build]\n");
    EXPECT_EQ(names(g, g.roots()), std::string("docs build"));
    EXPECT_EQ(g.indegree(*g.find("release")), 2u);
    EXPECT_EQ(g.indegree(*g.find("test")), 1u);
    EXPECT_EQ(wave_list(g), std::string("[docs build][test][release]"));
}
