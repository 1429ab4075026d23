#ifndef KAMGOV_PROJECTIONS_PORTFOLIO_PROJECTION_H_
#define KAMGOV_PROJECTIONS_PORTFOLIO_PROJECTION_H_

// The portfolio read model (DOMAIN.md section 5): key accounts by program
// and portfolio class (the four quadrants [seed S3]), capacity used against
// max_key_accounts, years as a key account, and the customer base by
// segment.
//
// Rows (dashboard_rows.h for the conventions):
//   a/<program>\0<class>\0<account> -> v1::PortfolioAccount (designated)
//   n/<program>\0k                  -> designated accounts
//   n/<program>\0c<class>           -> designated accounts of the class
//   n/<program>\0g<segment>         -> accounts (any status) by segment
// So the page "program P, class C" is one prefix scan.

#include <string>

#include "absl/status/statusor.h"
#include "kamgov/v1/query.pb.h"
#include "projections/dashboard_rows.h"

namespace kamgov::projections {

class PortfolioProjection final : public DashboardProjection {
 public:
  PortfolioProjection();
  std::string name() const override { return "portfolio"; }
  uint32_t version() const override { return 1; }

 protected:
  absl::Status OnChange(const AggregateChange& change, RowTx& rows) override;
};

// Answers a Portfolio request from the projection's rows. Errors:
// INVALID_ARGUMENT (bad filter or page token), NOT_FOUND (unknown
// program), DATA_LOSS (a row does not parse).
absl::StatusOr<v1::PortfolioResponse> QueryPortfolio(
    const RowSnapshot& rows, const v1::PortfolioRequest& request,
    const QueryContext& context);

}  // namespace kamgov::projections

#endif  // KAMGOV_PROJECTIONS_PORTFOLIO_PROJECTION_H_
