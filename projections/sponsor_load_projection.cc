#include "projections/sponsor_load_projection.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace kamgov::projections {
namespace {

// Accounts: program (nomination), sponsor, since, engagements are written
// by these events only; persons: unit, country, roles, departure by their
// own stream's events (domain/evolve.cc). Account events naming a sponsor
// also fold the sponsor's PersonState (its account lists), harmlessly.
TypeSet FoldedTypes() {
  return {"AccountNominated",         "ExecutiveSponsorAssigned",
          "ExecutiveSponsorReleased", "SponsorEngagementLogged",
          "PersonRegistered",         "GovernanceRoleGranted",
          "GovernanceRoleRevoked",    "PersonDeparted"};
}

bool HoldsSponsorRole(const v1::PersonState& person) {
  if (person.departed()) return false;
  return std::any_of(person.roles().begin(), person.roles().end(),
                     [](const v1::RoleAssignment& role) {
                       return role.role() ==
                              v1::GOVERNANCE_ROLE_EXECUTIVE_SPONSOR;
                     });
}

std::vector<Row> PersonRows(const v1::PersonState& person) {
  std::vector<Row> rows;
  if (!HoldsSponsorRole(person)) return rows;
  v1::SponsorLoad row;
  row.set_sponsor_id(person.person_id());
  row.set_unit_id(person.unit_id());
  row.set_country(person.country());
  row.set_active_sponsor(true);
  rows.emplace_back(absl::StrCat("p/", person.person_id(), kSep),
                    row.SerializeAsString());
  return rows;
}

std::vector<Row> AccountRows(const v1::AccountState& account) {
  std::vector<Row> rows;
  if (account.sponsor_id().empty()) return rows;
  v1::SponsoredAccount row;
  row.set_account_id(account.account_id());
  row.set_program_id(account.program_id());
  row.set_since_day(account.sponsor_since_day());
  row.set_last_engagement_day(account.last_engagement_day());
  for (int kind : account.engagement_kinds_logged()) {
    row.add_steps_completed(static_cast<v1::EngagementKind>(kind));
  }
  std::sort(row.mutable_steps_completed()->begin(),
            row.mutable_steps_completed()->end());
  rows.emplace_back(
      absl::StrCat("p/", account.sponsor_id(), kSep, account.account_id()),
      row.SerializeAsString());
  return rows;
}

}  // namespace

SponsorLoadProjection::SponsorLoadProjection()
    : DashboardProjection(
          {domain::AggregateKind::kAccount, domain::AggregateKind::kPerson},
          FoldedTypes()) {}

absl::Status SponsorLoadProjection::OnChange(const AggregateChange& change,
                                             RowTx& rows) {
  if (change.kind == domain::AggregateKind::kPerson) {
    ReplaceRows(PersonRows(static_cast<const v1::PersonState&>(*change.before)),
                PersonRows(static_cast<const v1::PersonState&>(*change.after)),
                rows);
  } else {
    ReplaceRows(
        AccountRows(static_cast<const v1::AccountState&>(*change.before)),
        AccountRows(static_cast<const v1::AccountState&>(*change.after)), rows);
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::SponsorLoadResponse> QuerySponsorLoad(
    const RowSnapshot& rows, const v1::SponsorLoadRequest& request,
    const QueryContext& context) {
  FilterCheck check;
  check.Id("sponsor_id", request.sponsor_id());
  if (absl::Status status = check.Done(); !status.ok()) return status;
  const std::string prefix =
      request.sponsor_id().empty()
          ? std::string("p/")
          : absl::StrCat("p/", request.sponsor_id(), kSep);
  absl::StatusOr<std::string> start =
      DecodePageToken(request.page_token(), prefix);
  if (!start.ok()) return start.status();
  absl::StatusOr<std::map<std::string, ProgramInfo>> programs =
      LoadPrograms(rows, "");
  if (!programs.ok()) return programs.status();

  v1::SponsorLoadResponse response;
  response.set_position(rows.position());
  const int64_t today = Today(context);
  const size_t page_size = std::max<size_t>(context.page_size, 1);
  // The sponsor being gathered; emitted once its rows are all seen.
  std::optional<v1::SponsorLoad> current;
  auto finish = [&]() {
    if (!current.has_value()) return;
    v1::SponsorLoad& sponsor = *current;
    int limit = 0;
    int64_t least_days = -1;
    for (v1::SponsoredAccount& account : *sponsor.mutable_accounts()) {
      const v1::ProgramPolicy& policy =
          PolicyOf(*programs, account.program_id());
      limit = limit == 0 ? policy.sponsor_max_accounts()
                         : std::min(limit, policy.sponsor_max_accounts());
      const int64_t since =
          std::max(account.since_day(), account.last_engagement_day());
      account.set_days_since_engagement(today - since);
      account.set_engagement_overdue(
          today > since + policy.sponsor_engagement_max_days());
      if (least_days < 0 || today - since < least_days) {
        least_days = today - since;
      }
    }
    if (limit == 0) limit = PolicyOf(*programs, "").sponsor_max_accounts();
    sponsor.set_account_count(sponsor.accounts_size());
    sponsor.set_limit(limit);
    sponsor.set_over_limit(sponsor.account_count() > limit);
    sponsor.set_days_since_last_engagement(least_days);
    if (!request.over_limit_only() || sponsor.over_limit()) {
      *response.add_sponsors() = std::move(sponsor);
    }
    current.reset();
  };
  QueryContext scan = context;
  scan.page_size = context.scan_budget;  // pages count sponsors, not rows
  absl::StatusOr<std::string> next = ScanPage(
      rows, prefix, *start, scan,
      [&](absl::string_view key, absl::string_view value,
          std::string*) -> absl::StatusOr<RowVerdict> {
        const absl::string_view rest = key.substr(2);
        const size_t sep = rest.find('\0');
        if (sep == absl::string_view::npos) {
          return RowDoesNotParse(key, "sponsor-load key");
        }
        const absl::string_view sponsor_id = rest.substr(0, sep);
        const absl::string_view account_id = rest.substr(sep + 1);
        if (!current.has_value() || current->sponsor_id() != sponsor_id) {
          finish();
          if (static_cast<size_t>(response.sponsors_size()) >= page_size) {
            return RowVerdict::kStop;
          }
          current.emplace();
          current->set_sponsor_id(std::string(sponsor_id));
        }
        if (account_id.empty()) {
          absl::StatusOr<v1::SponsorLoad> who =
              ParseRow<v1::SponsorLoad>(key, value);
          if (!who.ok()) return who.status();
          current->set_unit_id(who->unit_id());
          current->set_country(who->country());
          current->set_active_sponsor(who->active_sponsor());
        } else {
          absl::StatusOr<v1::SponsoredAccount> account =
              ParseRow<v1::SponsoredAccount>(key, value);
          if (!account.ok()) return account.status();
          *current->add_accounts() = *std::move(account);
        }
        return RowVerdict::kTake;
      });
  if (!next.ok()) return next.status();
  finish();
  response.set_next_page_token(*next);
  return response;
}

}  // namespace kamgov::projections
