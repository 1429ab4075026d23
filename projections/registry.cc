#include "projections/registry.h"

#include <memory>

namespace kamgov::projections {

std::vector<ProjectionFactory> AllProjections() {
  std::vector<ProjectionFactory> all;
  return all;
}

}  // namespace kamgov::projections
