#ifndef KAMGOV_PROJECTIONS_COVERAGE_PROJECTION_H_
#define KAMGOV_PROJECTIONS_COVERAGE_PROJECTION_H_

// The coverage read model (DOMAIN.md section 5): manager (mode, scope),
// sponsor and team per key account; gaps: no manager, no sponsor, no plan
// in force, a single-person relationship [seed S0, S3].
//
// Rows (dashboard_rows.h), each -> v1::CoverageAccount, designated only:
//   a/<program>\0<account>   every key account
//   g/<program>\0<account>   those with a gap (gaps_only)
//   m/<manager>\0<account>   by manager
//   n/<program>\0{k,m,s,p,1,g} counters of the summary

#include <string>

#include "absl/status/statusor.h"
#include "kamgov/v1/query.pb.h"
#include "projections/dashboard_rows.h"

namespace kamgov::projections {

class CoverageProjection final : public DashboardProjection {
 public:
  CoverageProjection();
  std::string name() const override { return "coverage"; }
  uint32_t version() const override { return 1; }

 protected:
  absl::Status OnChange(const AggregateChange& change, RowTx& rows) override;
};

// Errors as QueryPortfolio.
absl::StatusOr<v1::CoverageResponse> QueryCoverage(
    const RowSnapshot& rows, const v1::CoverageRequest& request,
    const QueryContext& context);

}  // namespace kamgov::projections

#endif  // KAMGOV_PROJECTIONS_COVERAGE_PROJECTION_H_
