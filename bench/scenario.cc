#include "bench/scenario.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace kamgov::bench {
namespace {

// Function-local so registration works from any static initializer.
std::map<std::string, ScenarioFactory>& Registry() {
  static auto* registry = new std::map<std::string, ScenarioFactory>();
  return *registry;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ScopedDir>> ScopedDir::Create(
    const std::string& parent, absl::string_view name, bool keep) {
  std::string path = absl::StrCat(parent, "/", name);
  std::error_code error;
  if (!std::filesystem::create_directory(path, error)) {
    return absl::UnavailableError(absl::StrCat(
        "cannot create ", path, ": ",
        error ? error.message() : std::string("it already exists")));
  }
  return std::unique_ptr<ScopedDir>(new ScopedDir(std::move(path), keep));
}

ScopedDir::~ScopedDir() {
  if (keep_) return;
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

bool RegisterScenario(const std::string& name, ScenarioFactory factory) {
  if (!Registry().emplace(name, std::move(factory)).second) {
    std::fprintf(stderr, "kamgov-bench: scenario '%s' registered twice\n",
                 name.c_str());
    std::abort();
  }
  return true;
}

std::unique_ptr<Scenario> MakeScenario(absl::string_view name) {
  auto it = Registry().find(std::string(name));
  if (it == Registry().end()) return nullptr;
  return it->second();
}

std::vector<std::string> ScenarioNames() {
  static const char* const kIssueOrder[] = {"append", "subscribe", "rebuild",
                                            "audit",  "commands",  "scale"};
  std::vector<std::string> names;
  for (const char* name : kIssueOrder) {
    if (Registry().count(name) > 0) names.push_back(name);
  }
  for (const auto& [name, factory] : Registry()) {  // std::map: alphabetical
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      names.push_back(name);
    }
  }
  return names;
}

}  // namespace kamgov::bench
