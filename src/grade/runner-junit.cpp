// JUnit XML reports, read with tinyxml2 (its parser stops at 100 nested elements).
#include <tinyxml2.h>

#include <cstdlib>

#include "grade/runner-common.hpp"
#include "grade/runner.hpp"

namespace agentrace::grade {
namespace {

std::string attribute(const tinyxml2::XMLElement& e, const char* name) {
  const char* v = e.Attribute(name);
  return v == nullptr ? std::string() : std::string(v);
}

CaseResult read_case(const tinyxml2::XMLElement& e) {
  CaseResult c;
  c.name = attribute(e, "name");
  const auto classname = attribute(e, "classname");
  c.id = classname.empty() || classname == c.name ? c.name : classname + "." + c.name;
  c.seconds = std::strtod(attribute(e, "time").c_str(), nullptr);
  c.status = CaseStatus::passed;
  const std::pair<const char*, CaseStatus> verdicts[] = {
      {"error", CaseStatus::error}, {"failure", CaseStatus::failed}, {"skipped", CaseStatus::skipped}};
  for (const auto& [tag, status] : verdicts) {
    if (const auto* child = e.FirstChildElement(tag)) {
      c.status = status;
      auto why = attribute(*child, "message");
      if (why.empty() && child->GetText() != nullptr) why = child->GetText();
      c.message = cut_message(why);
      break;
    }
  }
  return c;
}

}  // namespace

std::vector<CaseResult> parse_junit(std::string_view xml) {
  std::vector<CaseResult> out;
  tinyxml2::XMLDocument doc;
  if (doc.Parse(xml.data(), std::min(xml.size(), kMaxReportBytes)) != tinyxml2::XML_SUCCESS) return out;
  // Depth-first without recursion: <testsuites> and <testsuite> nest, <testcase> is a leaf.
  std::vector<const tinyxml2::XMLElement*> todo;
  if (const auto* root = doc.RootElement()) todo.push_back(root);
  while (!todo.empty()) {
    const auto* e = todo.back();
    todo.pop_back();
    if (std::string_view(e->Name()) == "testcase") {
      out.push_back(read_case(*e));
      continue;
    }
    std::vector<const tinyxml2::XMLElement*> children;
    for (const auto* c = e->FirstChildElement(); c != nullptr; c = c->NextSiblingElement()) children.push_back(c);
    todo.insert(todo.end(), children.rbegin(), children.rend());
  }
  return out;
}

}  // namespace agentrace::grade
