#pragma once
// The site's HTML templates (kainjow mustache), read at run time from templates/site/.
// Looked up in order: $AGENTRACE_TEMPLATES, <binary dir>/templates,
// <binary dir>/../share/agentrace/templates, then the source tree this binary was built
// from; a missing folder is an error naming every place tried.
#include <filesystem>
#include <map>
#include <string>

#include <kainjow/mustache.hpp>

namespace agentrace::report {

using Data = kainjow::mustache::data;
Data list_data();  // an empty mustache list

std::filesystem::path templates_dir();

class Templates {
 public:
  explicit Templates(const std::filesystem::path& dir);
  // Renders templates/site/<name>; throws InfraError naming the file on a template error.
  std::string render(const std::string& name, const Data& data);
  const std::string& text(const std::string& name);  // a file as it is (CSS, script)

 private:
  kainjow::mustache::mustache& compiled(const std::string& name);
  std::filesystem::path dir_;
  std::map<std::string, std::string> texts_;
  std::map<std::string, kainjow::mustache::mustache> compiled_;
};

}  // namespace agentrace::report
