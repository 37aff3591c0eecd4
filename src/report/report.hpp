#pragma once
// Printers for a race's results: markdown (for people), CSV and JSON (for tools).
// stdout carries only this; progress and warnings go to stderr.
#include <filesystem>
#include <string>

#include "store/store.hpp"

namespace agentrace::report {

enum class Format { markdown, json, csv };
Format parse_format(const std::string& s);  // throws UsageError naming --format

struct ReportOptions {
  Format format = Format::markdown;
  bool attempts = false;  // one row per attempt instead of per contender
};

struct RaceData;
std::string render(store::Store& db, const store::RaceRow& race, const ReportOptions& opts);
std::string render(const RaceData& data, const ReportOptions& opts);

// The static site (index, tasks, contenders, about, one page per attempt) into `dir`;
// returns the number of pages written. Templates come from templates_dir().
int write_site(const RaceData& data, const std::filesystem::path& dir);

}  // namespace agentrace::report
