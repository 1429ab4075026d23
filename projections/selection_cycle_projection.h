#ifndef KAMGOV_PROJECTIONS_SELECTION_CYCLE_PROJECTION_H_
#define KAMGOV_PROJECTIONS_SELECTION_CYCLE_PROJECTION_H_

// The selection-cycle read model (DOMAIN.md section 5): key accounts not
// re-evaluated in their program's open cycle, or scored against a
// superseded criteria version.
//
// Rows (dashboard_rows.h), each -> v1::CycleAccount, designated only:
//   c/<program>\0<last cycle>\0<account>   "pending" skips the block of
//                                          the open cycle
//   v/<program>\0<criteria version>\0<account>  "superseded" reads up to
//                                          the current version
//   n/<program>\0{k,c<cycle>,v<version>}   counters of the summary
// Which cycle is open and which version is current come from the
// program's state at query time, so a new cycle or version re-indexes
// nothing.

#include <string>

#include "absl/status/statusor.h"
#include "kamgov/v1/query.pb.h"
#include "projections/dashboard_rows.h"

namespace kamgov::projections {

class SelectionCycleProjection final : public DashboardProjection {
 public:
  SelectionCycleProjection();
  std::string name() const override { return "selection_cycle"; }
  uint32_t version() const override { return 1; }

 protected:
  absl::Status OnChange(const AggregateChange& change, RowTx& rows) override;
};

// Errors as QueryPortfolio.
absl::StatusOr<v1::SelectionCycleResponse> QuerySelectionCycle(
    const RowSnapshot& rows, const v1::SelectionCycleRequest& request,
    const QueryContext& context);

}  // namespace kamgov::projections

#endif  // KAMGOV_PROJECTIONS_SELECTION_CYCLE_PROJECTION_H_
