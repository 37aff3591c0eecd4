# All dependencies are Debian packages installed by scripts/setup.
find_package(Threads REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(Boost 1.81 REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(CLI11 REQUIRED)
find_package(fmt REQUIRED)
find_package(SQLiteCpp REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(tinyxml2 REQUIRED)  # JUnit XML reports of test runners

add_library(agentrace_deps INTERFACE)
target_link_libraries(agentrace_deps INTERFACE
  Threads::Threads OpenSSL::Crypto nlohmann_json::nlohmann_json
  tomlplusplus::tomlplusplus CLI11::CLI11 fmt::fmt SQLiteCpp SQLite::SQLite3 tinyxml2::tinyxml2)
target_compile_definitions(agentrace_deps INTERFACE TOML_EXCEPTIONS=1)
