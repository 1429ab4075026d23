#ifndef KAMGOV_PROJECTIONS_ESCALATIONS_PROJECTION_H_
#define KAMGOV_PROJECTIONS_ESCALATIONS_PROJECTION_H_

// The escalations read model (DOMAIN.md section 5): open escalations by
// level, category and age; time-outs; recurrence per account and per unit
// pair.
//
// Rows (dashboard_rows.h); open escalations, each -> v1::OpenEscalation,
// by level then the day the level was entered (oldest first):
//   o/<level>\0<day>\0<escalation>
//   p/<program>\0<level>\0<day>\0<escalation>     (program filter)
//   c/<category>\0<level>\0<day>\0<escalation>    (category filter)
// Counters: n/<program>\0{l<level>,c<category>} of open escalations (the
// program "" counts every program), r/a/<account> and r/u/<unit>\0<unit>
// of escalations ever raised.

#include <string>

#include "absl/status/statusor.h"
#include "kamgov/v1/query.pb.h"
#include "projections/dashboard_rows.h"

namespace kamgov::projections {

class EscalationsProjection final : public DashboardProjection {
 public:
  EscalationsProjection();
  std::string name() const override { return "escalations"; }
  uint32_t version() const override { return 1; }

 protected:
  absl::Status OnChange(const AggregateChange& change, RowTx& rows) override;
};

// Errors as QueryPortfolio; filters that do not apply to the view asked
// for are INVALID_ARGUMENT.
absl::StatusOr<v1::EscalationsResponse> QueryEscalations(
    const RowSnapshot& rows, const v1::EscalationsRequest& request,
    const QueryContext& context);

}  // namespace kamgov::projections

#endif  // KAMGOV_PROJECTIONS_ESCALATIONS_PROJECTION_H_
