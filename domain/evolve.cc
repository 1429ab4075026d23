#include "domain/evolve.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "domain/sorted_ids.h"

namespace kamgov::domain {
namespace {

using google::protobuf::RepeatedPtrField;

// Parses `main` as M and hands it to `apply`; DATA_LOSS (state untouched)
// when it does not parse.
template <typename M, typename F>
absl::Status With(absl::string_view type, absl::string_view main, F apply) {
  M payload;
  if (!payload.ParseFromArray(main.data(), static_cast<int>(main.size()))) {
    return absl::DataLossError(
        absl::StrCat("payload of a '", type, "' event does not parse"));
  }
  apply(payload);
  return absl::OkStatus();
}

// ------------------------------------------------------------- program --

absl::Status EvolveProgram(v1::ProgramState& s, absl::string_view type,
                           absl::string_view main) {
  if (s.program_id().empty()) {
    if (type != "ProgramEstablished") return absl::OkStatus();
    return With<v1::ProgramEstablished>(type, main, [&](const auto& e) {
      s.set_program_id(e.program_id());
      s.set_level(e.level());
      s.set_scope(e.scope());
      s.set_established_day(e.established_day());
    });
  }
  if (type == "ProgramPolicySet") {
    return With<v1::ProgramPolicySet>(
        type, main, [&](const auto& e) { *s.mutable_policy() = e.policy(); });
  }
  if (type == "SelectionCriteriaPublished") {
    return With<v1::SelectionCriteriaPublished>(type, main, [&](const auto& e) {
      v1::CriteriaSet* set = s.add_criteria();
      set->set_version(e.version());
      *set->mutable_criteria() = e.criteria();
      set->set_designation_threshold(e.designation_threshold());
      set->set_max_key_accounts(e.max_key_accounts());
      set->set_published_day(e.published_day());
    });
  }
  if (type == "SelectionCycleOpened") {
    return With<v1::SelectionCycleOpened>(type, main, [&](const auto& e) {
      v1::SelectionCycleState* cycle = s.mutable_open_cycle();
      cycle->Clear();
      cycle->set_cycle_id(e.cycle_id());
      cycle->set_opened_day(e.opened_day());
      cycle->set_due_day(e.due_day());
    });
  }
  if (type == "SelectionCycleClosed") {
    return With<v1::SelectionCycleClosed>(type, main, [&](const auto& e) {
      InsertSorted(*s.mutable_closed_cycle_ids(), e.cycle_id());
      if (s.open_cycle().cycle_id() == e.cycle_id()) s.clear_open_cycle();
    });
  }
  if (type == "AccountDesignated") {
    return With<v1::AccountDesignated>(type, main, [&](const auto& e) {
      InsertSorted(*s.mutable_active_key_account_ids(), e.account_id());
      if (!e.cycle_id().empty() && s.open_cycle().cycle_id() == e.cycle_id()) {
        InsertSorted(*s.mutable_open_cycle()->mutable_reevaluated_account_ids(),
                     e.account_id());
      }
    });
  }
  if (type == "AccountReevaluated") {
    return With<v1::AccountReevaluated>(type, main, [&](const auto& e) {
      if (s.open_cycle().cycle_id() == e.cycle_id()) {
        InsertSorted(*s.mutable_open_cycle()->mutable_reevaluated_account_ids(),
                     e.account_id());
      }
    });
  }
  if (type == "AccountDeDesignated") {
    return With<v1::AccountDeDesignated>(type, main, [&](const auto& e) {
      EraseSorted(*s.mutable_active_key_account_ids(), e.account_id());
    });
  }
  return absl::OkStatus();
}

// -------------------------------------------------------------- person --

void AddRole(v1::PersonState& s, const v1::RoleAssignment& role) {
  for (const auto& r : s.roles()) {
    if (r.role() == role.role() && r.program_id() == role.program_id()) return;
  }
  *s.add_roles() = role;
}

void RemoveRole(v1::PersonState& s, const v1::RoleAssignment& role) {
  auto* roles = s.mutable_roles();
  for (int i = 0; i < roles->size(); ++i) {
    if (roles->Get(i).role() == role.role() &&
        roles->Get(i).program_id() == role.program_id()) {
      roles->DeleteSubrange(i, 1);
      return;
    }
  }
}

absl::Status EvolvePerson(v1::PersonState& s, absl::string_view type,
                          absl::string_view main) {
  if (s.person_id().empty()) {
    if (type != "PersonRegistered") return absl::OkStatus();
    return With<v1::PersonRegistered>(type, main, [&](const auto& e) {
      s.set_person_id(e.person_id());
      s.set_unit_id(e.unit_id());
      s.set_country(e.country());
      for (const auto& role : e.roles()) AddRole(s, role);
      s.set_bootstrap(e.bootstrap());
      s.set_registered_day(e.registered_day());
    });
  }
  const std::string& me = s.person_id();
  if (type == "GovernanceRoleGranted") {
    return With<v1::GovernanceRoleGranted>(
        type, main, [&](const auto& e) { AddRole(s, e.role()); });
  }
  if (type == "GovernanceRoleRevoked") {
    return With<v1::GovernanceRoleRevoked>(
        type, main, [&](const auto& e) { RemoveRole(s, e.role()); });
  }
  if (type == "PersonDeparted") {
    return With<v1::PersonDeparted>(type, main, [&](const auto& e) {
      s.set_departed(true);
      s.set_departed_day(e.departed_day());
    });
  }
  // Account events naming this person.
  if (type == "KeyAccountManagerAssigned") {
    return With<v1::KeyAccountManagerAssigned>(type, main, [&](const auto& e) {
      if (e.previous_manager_id() == me) {
        EraseSorted(*s.mutable_managed_account_ids(), e.account_id());
      }
      if (e.manager_id() == me) {
        InsertSorted(*s.mutable_managed_account_ids(), e.account_id());
      }
    });
  }
  if (type == "KeyAccountManagerReleased") {
    return With<v1::KeyAccountManagerReleased>(type, main, [&](const auto& e) {
      if (e.manager_id() == me) {
        EraseSorted(*s.mutable_managed_account_ids(), e.account_id());
      }
    });
  }
  if (type == "ExecutiveSponsorAssigned") {
    return With<v1::ExecutiveSponsorAssigned>(type, main, [&](const auto& e) {
      if (e.previous_sponsor_id() == me) {
        EraseSorted(*s.mutable_sponsored_account_ids(), e.account_id());
      }
      if (e.sponsor_id() == me) {
        InsertSorted(*s.mutable_sponsored_account_ids(), e.account_id());
      }
    });
  }
  if (type == "ExecutiveSponsorReleased") {
    return With<v1::ExecutiveSponsorReleased>(type, main, [&](const auto& e) {
      if (e.sponsor_id() == me) {
        EraseSorted(*s.mutable_sponsored_account_ids(), e.account_id());
      }
    });
  }
  if (type == "TeamMemberJoined") {
    return With<v1::TeamMemberJoined>(type, main, [&](const auto& e) {
      if (e.member_id() == me) {
        InsertSorted(*s.mutable_team_account_ids(), e.account_id());
      }
    });
  }
  if (type == "TeamMemberLeft") {
    return With<v1::TeamMemberLeft>(type, main, [&](const auto& e) {
      if (e.member_id() == me) {
        EraseSorted(*s.mutable_team_account_ids(), e.account_id());
      }
    });
  }
  return absl::OkStatus();
}

// ------------------------------------------------------------- account --

bool Designated(const v1::AccountState& s) {
  return s.status() == v1::ACCOUNT_STATUS_DESIGNATED;
}

// Opens a coverage gap episode unless one is open for `missing`.
void OpenGap(v1::AccountState& s, v1::CoverageMissing missing,
             int64_t since_day) {
  for (const auto& gap : s.coverage_gaps()) {
    if (gap.missing() == missing) return;
  }
  v1::CoverageGapState* gap = s.add_coverage_gaps();
  gap->set_missing(missing);
  gap->set_since_day(since_day);
  s.set_coverage_episodes(s.coverage_episodes() + 1);
  gap->set_episode(s.coverage_episodes());
}

void CloseGap(v1::AccountState& s, v1::CoverageMissing missing) {
  auto* gaps = s.mutable_coverage_gaps();
  for (int i = 0; i < gaps->size(); ++i) {
    if (gaps->Get(i).missing() == missing) {
      gaps->DeleteSubrange(i, 1);
      return;
    }
  }
}

absl::Status EvolveAccount(v1::AccountState& s, absl::string_view type,
                           absl::string_view main) {
  if (s.account_id().empty() && type != "AccountNominated") {
    return absl::OkStatus();
  }
  if (type == "AccountNominated") {
    return With<v1::AccountNominated>(type, main, [&](const auto& e) {
      s.set_account_id(e.account_id());
      s.set_program_id(e.program_id());
      s.set_status(v1::ACCOUNT_STATUS_NOMINATED);
      s.set_customer_segment(e.customer_segment());
      s.set_nominator_id(e.nominator_id());
      s.set_nominated_day(e.nominated_day());
      s.set_criteria_version(e.criteria_version());
      *s.mutable_scores() = e.scores();
      s.set_weighted_score(0);
    });
  }
  if (type == "NominationRejected") {
    return With<v1::NominationRejected>(type, main, [&](const auto&) {
      s.set_status(v1::ACCOUNT_STATUS_REJECTED);
    });
  }
  if (type == "AccountDesignated") {
    return With<v1::AccountDesignated>(type, main, [&](const auto& e) {
      s.set_status(v1::ACCOUNT_STATUS_DESIGNATED);
      s.set_segment_before_designation(s.customer_segment());
      s.set_customer_segment(v1::CUSTOMER_SEGMENT_KEY);
      s.set_criteria_version(e.criteria_version());
      *s.mutable_scores() = e.scores();
      s.set_weighted_score(e.weighted_score());
      s.set_portfolio_class(e.portfolio_class());
      s.set_designated_day(e.designated_day());
      s.set_class_since_day(e.designated_day());
      s.set_last_reevaluated_cycle_id(e.cycle_id());
      s.set_dedesignation_reason(v1::DE_DESIGNATION_REASON_UNSPECIFIED);
      s.set_designation_count(s.designation_count() + 1);
      s.clear_coverage_gaps();
      if (s.manager_id().empty()) {
        OpenGap(s, v1::COVERAGE_MISSING_MANAGER, e.designated_day());
      }
      if (s.sponsor_id().empty()) {
        OpenGap(s, v1::COVERAGE_MISSING_SPONSOR, e.designated_day());
      }
      if (!HasPlan(s))
        OpenGap(s, v1::COVERAGE_MISSING_PLAN, e.designated_day());
    });
  }
  if (type == "AccountReevaluated") {
    return With<v1::AccountReevaluated>(type, main, [&](const auto& e) {
      s.set_criteria_version(e.criteria_version());
      *s.mutable_scores() = e.scores();
      s.set_weighted_score(e.weighted_score());
      s.set_last_reevaluated_cycle_id(e.cycle_id());
    });
  }
  if (type == "AccountReclassified") {
    return With<v1::AccountReclassified>(type, main, [&](const auto& e) {
      s.set_portfolio_class(e.to_class());
      s.set_class_since_day(e.reclassified_day());
    });
  }
  if (type == "AccountDeDesignated") {
    return With<v1::AccountDeDesignated>(type, main, [&](const auto& e) {
      s.set_status(v1::ACCOUNT_STATUS_DE_DESIGNATED);
      s.set_dedesignation_reason(e.reason());
      s.set_customer_segment(e.customer_segment());
      if (s.has_plan()) s.mutable_plan()->set_status(v1::PLAN_STATUS_CLOSED);
      s.clear_coverage_gaps();
    });
  }
  if (type == "KeyAccountManagerAssigned") {
    return With<v1::KeyAccountManagerAssigned>(type, main, [&](const auto& e) {
      s.set_manager_id(e.manager_id());
      s.set_manager_mode(e.mode());
      s.set_manager_scope(e.scope());
      s.set_manager_since_day(e.assigned_day());
      CloseGap(s, v1::COVERAGE_MISSING_MANAGER);
    });
  }
  if (type == "KeyAccountManagerReleased") {
    return With<v1::KeyAccountManagerReleased>(type, main, [&](const auto& e) {
      if (s.manager_id() != e.manager_id()) return;
      s.clear_manager_id();
      s.clear_manager_mode();
      s.clear_manager_scope();
      s.clear_manager_since_day();
      if (Designated(s)) {
        OpenGap(s, v1::COVERAGE_MISSING_MANAGER, e.released_day());
      }
    });
  }
  if (type == "ExecutiveSponsorAssigned") {
    return With<v1::ExecutiveSponsorAssigned>(type, main, [&](const auto& e) {
      s.set_sponsor_id(e.sponsor_id());
      s.set_sponsor_since_day(e.assigned_day());
      s.clear_last_engagement_day();
      s.clear_engagement_kinds_logged();
      CloseGap(s, v1::COVERAGE_MISSING_SPONSOR);
    });
  }
  if (type == "ExecutiveSponsorReleased") {
    return With<v1::ExecutiveSponsorReleased>(type, main, [&](const auto& e) {
      if (s.sponsor_id() != e.sponsor_id()) return;
      s.clear_sponsor_id();
      s.clear_sponsor_since_day();
      s.clear_last_engagement_day();
      s.clear_engagement_kinds_logged();
      if (Designated(s)) {
        OpenGap(s, v1::COVERAGE_MISSING_SPONSOR, e.released_day());
      }
    });
  }
  if (type == "SponsorEngagementLogged") {
    return With<v1::SponsorEngagementLogged>(type, main, [&](const auto& e) {
      s.set_last_engagement_day(
          std::max(s.last_engagement_day(), e.engaged_day()));
      if (std::find(s.engagement_kinds_logged().begin(),
                    s.engagement_kinds_logged().end(),
                    e.kind()) == s.engagement_kinds_logged().end()) {
        s.add_engagement_kinds_logged(e.kind());
      }
    });
  }
  if (type == "TeamMemberJoined") {
    return With<v1::TeamMemberJoined>(type, main, [&](const auto& e) {
      for (const auto& m : s.team()) {
        if (m.member_id() == e.member_id()) return;
      }
      v1::TeamMemberState* member = s.add_team();
      member->set_member_id(e.member_id());
      member->set_unit_id(e.unit_id());
      member->set_expertise(e.expertise());
      member->set_permanent(e.permanent());
      member->set_joined_day(e.joined_day());
    });
  }
  if (type == "TeamMemberLeft") {
    return With<v1::TeamMemberLeft>(type, main, [&](const auto& e) {
      auto* team = s.mutable_team();
      for (int i = 0; i < team->size(); ++i) {
        if (team->Get(i).member_id() == e.member_id()) {
          team->DeleteSubrange(i, 1);
          return;
        }
      }
    });
  }
  if (type == "AccountPlanSubmitted") {
    return With<v1::AccountPlanSubmitted>(type, main, [&](const auto& e) {
      v1::AccountPlanState* plan = s.mutable_plan();
      const int32_t reported_version = plan->overdue_reported_version();
      const int64_t reported_due = plan->overdue_reported_due_day();
      plan->Clear();
      plan->set_plan_version(e.plan_version());
      plan->set_author_id(e.author_id());
      plan->set_status(v1::PLAN_STATUS_SUBMITTED);
      plan->set_period_start_day(e.period_start_day());
      plan->set_period_end_day(e.period_end_day());
      plan->set_initiative_count(e.initiative_ids_size());
      plan->set_customer_participated(e.customer_participated());
      plan->set_submitted_day(e.submitted_day());
      plan->set_next_review_due_day(e.review_due_day());
      plan->set_overdue_reported_version(reported_version);
      plan->set_overdue_reported_due_day(reported_due);
      CloseGap(s, v1::COVERAGE_MISSING_PLAN);
    });
  }
  if (type == "AccountPlanReviewed") {
    return With<v1::AccountPlanReviewed>(type, main, [&](const auto& e) {
      v1::AccountPlanState* plan = s.mutable_plan();
      if (plan->plan_version() != e.plan_version()) return;
      switch (e.outcome()) {
        case v1::PLAN_REVIEW_OUTCOME_APPROVED:
          plan->set_status(v1::PLAN_STATUS_APPROVED);
          break;
        case v1::PLAN_REVIEW_OUTCOME_CHANGES_REQUESTED:
          plan->set_status(v1::PLAN_STATUS_CHANGES_REQUESTED);
          break;
        case v1::PLAN_REVIEW_OUTCOME_REJECTED:
          plan->set_status(v1::PLAN_STATUS_REJECTED);
          break;
        default:
          break;
      }
      plan->set_last_review_outcome(e.outcome());
      plan->set_last_reviewed_day(e.reviewed_day());
      plan->set_next_review_due_day(e.next_review_due_day());
      if (Designated(s) && !HasPlan(s)) {
        OpenGap(s, v1::COVERAGE_MISSING_PLAN, e.reviewed_day());
      }
    });
  }
  if (type == "AccountPlanReviewOverdue") {
    return With<v1::AccountPlanReviewOverdue>(type, main, [&](const auto& e) {
      s.mutable_plan()->set_overdue_reported_version(e.plan_version());
      s.mutable_plan()->set_overdue_reported_due_day(e.due_day());
    });
  }
  if (type == "CoverageGapDetected") {
    return With<v1::CoverageGapDetected>(type, main, [&](const auto& e) {
      for (auto& gap : *s.mutable_coverage_gaps()) {
        if (gap.episode() == e.episode()) gap.set_reported(true);
      }
    });
  }
  if (type == "SponsorEngagementOverdue") {
    return With<v1::SponsorEngagementOverdue>(type, main, [&](const auto& e) {
      s.set_engagement_overdue_sponsor_id(e.sponsor_id());
      s.set_engagement_overdue_due_day(e.due_day());
    });
  }
  if (type == "EscalationRaised") {
    return With<v1::EscalationRaised>(type, main, [&](const auto& e) {
      if (e.account_id() != s.account_id()) return;
      InsertSorted(*s.mutable_open_escalation_ids(), e.escalation_id());
    });
  }
  if (type == "EscalationResolved") {
    return With<v1::EscalationResolved>(type, main, [&](const auto& e) {
      EraseSorted(*s.mutable_open_escalation_ids(), e.escalation_id());
    });
  }
  if (type == "EscalationWithdrawn") {
    return With<v1::EscalationWithdrawn>(type, main, [&](const auto& e) {
      EraseSorted(*s.mutable_open_escalation_ids(), e.escalation_id());
    });
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------- escalation --

absl::Status EvolveEscalation(v1::EscalationState& s, absl::string_view type,
                              absl::string_view main) {
  if (s.escalation_id().empty()) {
    if (type != "EscalationRaised") return absl::OkStatus();
    return With<v1::EscalationRaised>(type, main, [&](const auto& e) {
      s.set_escalation_id(e.escalation_id());
      s.set_account_id(e.account_id());
      s.set_program_id(e.program_id());
      s.set_category(e.category());
      s.set_status(v1::ESCALATION_STATUS_OPEN);
      s.set_level(e.level());
      s.set_level_since_day(e.raised_day());
      *s.mutable_units_involved() = e.units_involved();
      s.set_raised_by(e.raised_by());
      s.set_raised_day(e.raised_day());
    });
  }
  if (type == "EscalationAcknowledged") {
    return With<v1::EscalationAcknowledged>(type, main, [&](const auto& e) {
      s.set_acknowledged_by(e.acknowledged_by());
    });
  }
  if (type == "EscalationLevelRaised") {
    return With<v1::EscalationLevelRaised>(type, main, [&](const auto& e) {
      s.set_level(e.to_level());
      s.set_level_since_day(e.raised_day());
      s.clear_acknowledged_by();
      if (e.reason() == v1::LEVEL_RAISE_REASON_TIMEOUT) {
        s.set_timeouts(s.timeouts() + 1);
      }
    });
  }
  if (type == "EscalationResolved") {
    return With<v1::EscalationResolved>(type, main, [&](const auto& e) {
      s.set_status(v1::ESCALATION_STATUS_RESOLVED);
      s.set_resolved_by(e.resolved_by());
      s.set_closed_day(e.resolved_day());
    });
  }
  if (type == "EscalationWithdrawn") {
    return With<v1::EscalationWithdrawn>(type, main, [&](const auto& e) {
      s.set_status(v1::ESCALATION_STATUS_WITHDRAWN);
      s.set_withdrawal_reason(e.reason());
      s.set_closed_day(e.withdrawn_day());
    });
  }
  return absl::OkStatus();
}

}  // namespace

bool HasPlan(const v1::AccountState& account) {
  return account.has_plan() && account.plan().plan_version() > 0 &&
         account.plan().status() != v1::PLAN_STATUS_REJECTED &&
         account.plan().status() != v1::PLAN_STATUS_CLOSED;
}

absl::Status Evolve(v1::ProgramState& state, absl::string_view type,
                    absl::string_view main) {
  return EvolveProgram(state, type, main);
}
absl::Status Evolve(v1::PersonState& state, absl::string_view type,
                    absl::string_view main) {
  return EvolvePerson(state, type, main);
}
absl::Status Evolve(v1::AccountState& state, absl::string_view type,
                    absl::string_view main) {
  return EvolveAccount(state, type, main);
}
absl::Status Evolve(v1::EscalationState& state, absl::string_view type,
                    absl::string_view main) {
  return EvolveEscalation(state, type, main);
}

std::unique_ptr<google::protobuf::Message> NewState(AggregateKind kind) {
  switch (kind) {
    case AggregateKind::kProgram:
      return std::make_unique<v1::ProgramState>();
    case AggregateKind::kPerson:
      return std::make_unique<v1::PersonState>();
    case AggregateKind::kAccount:
      return std::make_unique<v1::AccountState>();
    case AggregateKind::kEscalation:
      return std::make_unique<v1::EscalationState>();
  }
  return nullptr;
}

absl::Status EvolveState(AggregateKind kind, google::protobuf::Message& state,
                         absl::string_view type, absl::string_view main) {
  switch (kind) {
    case AggregateKind::kProgram:
      return Evolve(static_cast<v1::ProgramState&>(state), type, main);
    case AggregateKind::kPerson:
      return Evolve(static_cast<v1::PersonState&>(state), type, main);
    case AggregateKind::kAccount:
      return Evolve(static_cast<v1::AccountState&>(state), type, main);
    case AggregateKind::kEscalation:
      return Evolve(static_cast<v1::EscalationState&>(state), type, main);
  }
  return absl::InternalError("unknown aggregate kind");
}

}  // namespace kamgov::domain
