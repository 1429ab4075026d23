#ifndef KAMGOV_PROJECTIONS_REGISTRY_H_
#define KAMGOV_PROJECTIONS_REGISTRY_H_

// The read models kamgovd keeps: the one list the daemon, the tools and the
// benchmarks build their engines from.

#include <vector>

#include "projections/engine.h"

namespace kamgov::projections {

// A factory for every projection of DOMAIN.md §5, in the order
// `kamgov projections status` lists them.
std::vector<ProjectionFactory> AllProjections();

}  // namespace kamgov::projections

#endif  // KAMGOV_PROJECTIONS_REGISTRY_H_
