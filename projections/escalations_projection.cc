#include "projections/escalations_projection.h"

#include <algorithm>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "domain/policy.h"

namespace kamgov::projections {
namespace {

TypeSet FoldedTypes() {
  return {"EscalationRaised", "EscalationAcknowledged", "EscalationLevelRaised",
          "EscalationResolved", "EscalationWithdrawn"};
}

std::string CounterPrefix(absl::string_view program_id) {
  return absl::StrCat("n/", program_id, kSep);
}

struct Derived {
  std::vector<Row> rows;
  std::vector<std::string> counters;
};

Derived Derive(const v1::EscalationState& e) {
  Derived out;
  if (e.status() != v1::ESCALATION_STATUS_OPEN) return out;
  v1::OpenEscalation row;
  row.set_escalation_id(e.escalation_id());
  row.set_account_id(e.account_id());
  row.set_program_id(e.program_id());
  row.set_category(e.category());
  row.set_level(e.level());
  row.set_level_since_day(e.level_since_day());
  row.set_raised_day(e.raised_day());
  *row.mutable_units_involved() = e.units_involved();
  row.set_acknowledged_by(e.acknowledged_by());
  row.set_timeouts(e.timeouts());
  const std::string value = row.SerializeAsString();
  const std::string tail =
      absl::StrCat(EnumByte(e.level()), kSep, OrderedInt64(e.level_since_day()),
                   kSep, e.escalation_id());
  out.rows.emplace_back(absl::StrCat("o/", tail), value);
  out.rows.emplace_back(absl::StrCat("p/", e.program_id(), kSep, tail), value);
  out.rows.emplace_back(absl::StrCat("c/", EnumByte(e.category()), kSep, tail),
                        value);
  for (absl::string_view program :
       {absl::string_view(), absl::string_view(e.program_id())}) {
    const std::string prefix = CounterPrefix(program);
    out.counters.push_back(absl::StrCat(prefix, "l", EnumByte(e.level())));
    out.counters.push_back(absl::StrCat(prefix, "c", EnumByte(e.category())));
  }
  return out;
}

// The recurrence counters an escalation adds once, when it is raised.
std::vector<std::string> RecurrenceKeys(const v1::EscalationState& e) {
  std::vector<std::string> keys;
  keys.push_back(absl::StrCat("r/a/", e.account_id()));
  std::set<absl::string_view> units(e.units_involved().begin(),
                                    e.units_involved().end());
  for (auto a = units.begin(); a != units.end(); ++a) {
    for (auto b = std::next(a); b != units.end(); ++b) {
      keys.push_back(absl::StrCat("r/u/", *a, kSep, *b));
    }
  }
  return keys;
}

}  // namespace

EscalationsProjection::EscalationsProjection()
    : DashboardProjection({domain::AggregateKind::kEscalation}, FoldedTypes()) {
}

absl::Status EscalationsProjection::OnChange(const AggregateChange& change,
                                             RowTx& rows) {
  absl::Status replaced =
      ReplaceDerived<v1::EscalationState>(change, rows, &Derive);
  if (!replaced.ok()) return replaced;
  const auto& after = static_cast<const v1::EscalationState&>(*change.after);
  if (!Exists(*change.before) && Exists(after)) {
    counters().Move({}, RecurrenceKeys(after));
  }
  return absl::OkStatus();
}

namespace {

absl::Status QueryRecurrence(const RowSnapshot& rows,
                             const v1::EscalationsRequest& request,
                             const QueryContext& context,
                             v1::EscalationsResponse& response) {
  const bool by_account =
      request.view() == v1::ESCALATIONS_VIEW_RECURRENCE_BY_ACCOUNT;
  const std::string prefix = by_account ? "r/a/" : "r/u/";
  absl::StatusOr<std::string> start =
      DecodePageToken(request.page_token(), prefix);
  if (!start.ok()) return start.status();
  const int64_t min_count = request.min_count() > 0 ? request.min_count() : 2;
  absl::StatusOr<std::string> next =
      ScanPage(rows, prefix, *start, context,
               [&](absl::string_view key, absl::string_view value,
                   std::string*) -> absl::StatusOr<RowVerdict> {
                 absl::StatusOr<int64_t> count = DecodeCounter(value);
                 if (!count.ok()) return count.status();
                 if (*count < min_count) return RowVerdict::kSkip;
                 v1::EscalationRecurrence* out = response.add_recurrences();
                 const absl::string_view subject = key.substr(prefix.size());
                 if (by_account) {
                   out->set_account_id(std::string(subject));
                 } else {
                   const size_t sep = subject.find('\0');
                   out->set_unit_a(std::string(subject.substr(0, sep)));
                   if (sep != absl::string_view::npos) {
                     out->set_unit_b(std::string(subject.substr(sep + 1)));
                   }
                 }
                 out->set_count(*count);
                 return RowVerdict::kTake;
               });
  if (!next.ok()) return next.status();
  response.set_next_page_token(*next);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::EscalationsResponse> QueryEscalations(
    const RowSnapshot& rows, const v1::EscalationsRequest& request,
    const QueryContext& context) {
  FilterCheck check;
  check.Id("program_id", request.program_id());
  check.Enum("level", request.level(), v1::EscalationLevel_IsValid);
  check.Enum("category", request.category(), v1::EscalationCategory_IsValid);
  check.Enum("view", request.view(), v1::EscalationsView_IsValid);
  if (request.min_count() < 0) check.Fail("min_count", "must not be negative");
  const bool open_view = request.view() == v1::ESCALATIONS_VIEW_UNSPECIFIED ||
                         request.view() == v1::ESCALATIONS_VIEW_OPEN;
  if (!open_view) {
    if (!request.program_id().empty()) {
      check.Fail("program_id", "recurrence views count across programs");
    }
    if (request.level() != 0) check.Fail("level", "not for recurrence views");
    if (request.category() != 0) {
      check.Fail("category", "not for recurrence views");
    }
    if (request.overdue_only()) {
      check.Fail("overdue_only", "not for recurrence views");
    }
  } else if (request.min_count() != 0) {
    check.Fail("min_count", "only for recurrence views");
  }
  if (absl::Status status = check.Done(); !status.ok()) return status;

  v1::EscalationsResponse response;
  response.set_position(rows.position());
  if (!open_view) {
    absl::Status status = QueryRecurrence(rows, request, context, response);
    if (!status.ok()) return status;
    return response;
  }

  std::string prefix;
  if (!request.program_id().empty()) {
    prefix = absl::StrCat("p/", request.program_id(), kSep);
  } else if (request.category() != 0) {
    prefix = absl::StrCat("c/", EnumByte(request.category()), kSep);
  } else {
    prefix = "o/";
  }
  if (request.level() != 0) {
    absl::StrAppend(&prefix, EnumByte(request.level()), kSep);
  }
  absl::StatusOr<std::string> start =
      DecodePageToken(request.page_token(), prefix);
  if (!start.ok()) return start.status();
  absl::StatusOr<std::map<std::string, ProgramInfo>> programs =
      LoadPrograms(rows, request.program_id());
  if (!programs.ok()) return programs.status();

  absl::StatusOr<std::map<std::string, int64_t>> counters =
      ReadCounters(rows, CounterPrefix(request.program_id()));
  if (!counters.ok()) return counters.status();
  for (int level = v1::ESCALATION_LEVEL_KEY_ACCOUNT_MANAGER;
       level <= v1::ESCALATION_LEVEL_EXECUTIVE_SPONSOR; ++level) {
    auto it = counters->find(absl::StrCat("l", EnumByte(level)));
    v1::LevelCount* count = response.add_by_level();
    count->set_level(static_cast<v1::EscalationLevel>(level));
    count->set_open(it == counters->end() ? 0 : it->second);
  }
  for (int category = v1::ESCALATION_CATEGORY_CONTROL_VS_FLEXIBILITY;
       category <= v1::ESCALATION_CATEGORY_CUSTOMER_DISSATISFACTION;
       ++category) {
    auto it = counters->find(absl::StrCat("c", EnumByte(category)));
    v1::CategoryCount* count = response.add_by_category();
    count->set_category(static_cast<v1::EscalationCategory>(category));
    count->set_open(it == counters->end() ? 0 : it->second);
  }

  const int64_t today = Today(context);
  const bool filter_category =
      !request.program_id().empty() && request.category() != 0;
  absl::StatusOr<std::string> next = ScanPage(
      rows, prefix, *start, context,
      [&](absl::string_view key, absl::string_view value,
          std::string* jump) -> absl::StatusOr<RowVerdict> {
        absl::StatusOr<v1::OpenEscalation> escalation =
            ParseRow<v1::OpenEscalation>(key, value);
        if (!escalation.ok()) return escalation.status();
        if (filter_category && escalation->category() != request.category()) {
          return RowVerdict::kSkip;
        }
        const int timeout = domain::EscalationTimeoutDays(
            PolicyOf(*programs, escalation->program_id()), escalation->level());
        if (timeout >= 0) {
          escalation->set_timeout_due_day(escalation->level_since_day() +
                                          timeout);
          escalation->set_overdue(today > escalation->timeout_due_day());
        }
        if (request.overdue_only() && !escalation->overdue()) {
          if (!request.program_id().empty()) {
            // One program, one time-out per level: the rest of this level
            // entered it later.
            *jump =
                SkipBlock(absl::StrCat("p/", request.program_id(), kSep,
                                       EnumByte(escalation->level()), kSep));
          }
          return RowVerdict::kSkip;
        }
        escalation->set_age_days(today - escalation->raised_day());
        escalation->set_days_at_level(today - escalation->level_since_day());
        *response.add_escalations() = *std::move(escalation);
        return RowVerdict::kTake;
      });
  if (!next.ok()) return next.status();
  response.set_next_page_token(*next);
  return response;
}

}  // namespace kamgov::projections
