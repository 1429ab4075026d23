#include "projections/registry.h"

#include <memory>

#include "projections/coverage_projection.h"
#include "projections/escalations_projection.h"
#include "projections/history_projection.h"
#include "projections/plan_compliance_projection.h"
#include "projections/portfolio_projection.h"
#include "projections/selection_cycle_projection.h"
#include "projections/sponsor_load_projection.h"

namespace kamgov::projections {

std::vector<ProjectionFactory> AllProjections() {
  std::vector<ProjectionFactory> all;
  all.push_back([] { return std::make_unique<PortfolioProjection>(); });
  all.push_back([] { return std::make_unique<CoverageProjection>(); });
  all.push_back([] { return std::make_unique<SponsorLoadProjection>(); });
  all.push_back([] { return std::make_unique<PlanComplianceProjection>(); });
  all.push_back([] { return std::make_unique<EscalationsProjection>(); });
  all.push_back([] { return std::make_unique<SelectionCycleProjection>(); });
  all.push_back([] { return std::make_unique<HistoryProjection>(); });
  return all;
}

}  // namespace kamgov::projections
