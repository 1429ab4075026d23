#ifndef KAMGOV_PROJECTIONS_SPONSOR_LOAD_PROJECTION_H_
#define KAMGOV_PROJECTIONS_SPONSOR_LOAD_PROJECTION_H_

// The sponsor-load read model (DOMAIN.md section 5): accounts per executive
// sponsor against the limit, days since the last engagement, sponsor-
// process steps completed [seed S3].
//
// Rows (dashboard_rows.h):
//   p/<sponsor>\0            -> v1::SponsorLoad (who; people holding the
//                               EXECUTIVE_SPONSOR role, not departed)
//   p/<sponsor>\0<account>   -> v1::SponsoredAccount (accounts sponsored)
// A sponsor and its accounts are adjacent, so a page of sponsors is one
// prefix scan. Limits and engagement deadlines come from the programs'
// policies at query time.

#include <string>

#include "absl/status/statusor.h"
#include "kamgov/v1/query.pb.h"
#include "projections/dashboard_rows.h"

namespace kamgov::projections {

class SponsorLoadProjection final : public DashboardProjection {
 public:
  SponsorLoadProjection();
  std::string name() const override { return "sponsor_load"; }
  uint32_t version() const override { return 1; }

 protected:
  absl::Status OnChange(const AggregateChange& change, RowTx& rows) override;
};

// Errors as QueryPortfolio.
absl::StatusOr<v1::SponsorLoadResponse> QuerySponsorLoad(
    const RowSnapshot& rows, const v1::SponsorLoadRequest& request,
    const QueryContext& context);

}  // namespace kamgov::projections

#endif  // KAMGOV_PROJECTIONS_SPONSOR_LOAD_PROJECTION_H_
