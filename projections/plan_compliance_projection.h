#ifndef KAMGOV_PROJECTIONS_PLAN_COMPLIANCE_PROJECTION_H_
#define KAMGOV_PROJECTIONS_PLAN_COMPLIANCE_PROJECTION_H_

// The plan-compliance read model (DOMAIN.md section 5): plan required /
// present / approved per key account, next review due, overdue reviews,
// initiative count, customer participation.
//
// Rows (dashboard_rows.h), each -> v1::PlanComplianceAccount, designated
// accounts only:
//   a/<program>\0<class>\0<account>     every key account
//   d/<program>\0<due day>\0<account>   plans in force by next review due:
//                                       "overdue" is a range scan up to
//                                       today
//   m/<program>\0<class>\0<account>     no plan in force
//   n/<program>\0{k,c<class>,p<class>,a<class>} counters of the summary
// Whether a class requires a plan is policy, applied at query time.

#include <string>

#include "absl/status/statusor.h"
#include "kamgov/v1/query.pb.h"
#include "projections/dashboard_rows.h"

namespace kamgov::projections {

class PlanComplianceProjection final : public DashboardProjection {
 public:
  PlanComplianceProjection();
  std::string name() const override { return "plan_compliance"; }
  uint32_t version() const override { return 1; }

 protected:
  absl::Status OnChange(const AggregateChange& change, RowTx& rows) override;
};

// Errors as QueryPortfolio; overdue_only with missing_only is
// INVALID_ARGUMENT.
absl::StatusOr<v1::PlanComplianceResponse> QueryPlanCompliance(
    const RowSnapshot& rows, const v1::PlanComplianceRequest& request,
    const QueryContext& context);

}  // namespace kamgov::projections

#endif  // KAMGOV_PROJECTIONS_PLAN_COMPLIANCE_PROJECTION_H_
