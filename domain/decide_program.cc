// Decisions on programs: establishment, policy, criteria, selection cycles.

#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "domain/days.h"
#include "domain/decide_internal.h"
#include "domain/ids.h"
#include "domain/policy.h"
#include "domain/sorted_ids.h"

namespace kamgov::domain {

using internal::Events;
using internal::Fields;

absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::EstablishProgram& cmd,
                                const DecisionContext& ctx) {
  KAMGOV_RETURN_IF_ERROR(internal::CheckContext(ctx));
  Fields f;
  f.Meta(meta, /*rationale_required=*/true);
  f.Id(cmd.program_id(), "command.program_id");
  f.Text(cmd.name(), "command.name");
  f.Enum(cmd.level(), v1::ProgramLevel_IsValid, "command.level");
  f.OptionalId(cmd.scope(), "command.scope");
  const v1::ProgramPolicy policy = MergePolicy(DefaultPolicy(), cmd.policy());
  for (FieldViolation& v : ValidatePolicy(policy, "command.policy")) {
    f.Add(std::move(v.field), std::move(v.description));
  }
  KAMGOV_RETURN_IF_ERROR(f.Status());
  KAMGOV_ASSIGN_OR_RETURN(const v1::PersonState* actor,
                          internal::FindActor(meta, ctx));
  KAMGOV_RETURN_IF_ERROR(internal::CheckEffectiveAt(meta, policy, ctx));
  KAMGOV_RETURN_IF_ERROR(internal::CheckActorMayAct(*actor));
  if (!internal::IsSeniorManagement(*actor, cmd.program_id())) {
    return Violation(rules::kProgramEstablisherNotSeniorManagement,
                     absl::StrCat("person '", actor->person_id(),
                                  "' is not senior management"));
  }
  if (ctx.state->FindProgram(cmd.program_id()) != nullptr) {
    return Violation(
        rules::kProgramAlreadyExists,
        absl::StrCat("program '", cmd.program_id(), "' already exists"));
  }
  const std::string stream = ProgramStream(cmd.program_id());
  const std::vector<std::string> tags = {ProgramTag(cmd.program_id())};
  Events events(meta);
  v1::ProgramEstablished established;
  established.set_program_id(cmd.program_id());
  established.set_level(cmd.level());
  established.set_scope(cmd.scope());
  established.set_established_day(internal::Today(ctx));
  events.Add(stream, established, tags, {{"name", cmd.name()}});
  v1::ProgramPolicySet policy_set;
  policy_set.set_program_id(cmd.program_id());
  *policy_set.mutable_policy() = policy;
  events.Add(stream, policy_set, tags);
  return events.Take();
}

absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::SetProgramPolicy& cmd,
                                const DecisionContext& ctx) {
  KAMGOV_RETURN_IF_ERROR(internal::CheckContext(ctx));
  Fields f;
  f.Meta(meta, /*rationale_required=*/true);
  f.Id(cmd.program_id(), "command.program_id");
  // Set fields serialize even when zero (they have presence).
  if (cmd.policy().ByteSizeLong() == 0) {
    f.Add("command.policy", "sets no field");
  }
  KAMGOV_RETURN_IF_ERROR(f.Status());
  KAMGOV_ASSIGN_OR_RETURN(const v1::PersonState* actor,
                          internal::FindActor(meta, ctx));
  KAMGOV_ASSIGN_OR_RETURN(
      const v1::ProgramState* program,
      internal::FindProgram(ctx, cmd.program_id(), "command.program_id"));
  const v1::ProgramPolicy current = internal::PolicyOf(*program);
  const v1::ProgramPolicy merged = MergePolicy(current, cmd.policy());
  std::vector<FieldViolation> invalid =
      ValidatePolicy(merged, "command.policy");
  if (!invalid.empty()) return InvalidArgument(std::move(invalid));
  KAMGOV_RETURN_IF_ERROR(internal::CheckEffectiveAt(meta, current, ctx));
  KAMGOV_RETURN_IF_ERROR(internal::CheckActorMayAct(*actor));
  if (!internal::IsProgramAdmin(*actor, program->program_id())) {
    return Violation(rules::kProgramAdminNotAuthorized,
                     absl::StrCat("person '", actor->person_id(),
                                  "' is neither senior management nor a "
                                  "director of program '",
                                  program->program_id(), "'"));
  }
  Events events(meta);
  v1::ProgramPolicySet policy_set;
  policy_set.set_program_id(program->program_id());
  *policy_set.mutable_policy() = merged;
  events.Add(ProgramStream(program->program_id()), policy_set,
             {ProgramTag(program->program_id())});
  return events.Take();
}

absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::PublishSelectionCriteria& cmd,
                                const DecisionContext& ctx) {
  KAMGOV_RETURN_IF_ERROR(internal::CheckContext(ctx));
  Fields f;
  f.Meta(meta, /*rationale_required=*/true);
  f.Id(cmd.program_id(), "command.program_id");
  f.Positive(cmd.version(), "command.version");
  if (cmd.criteria_size() == 0) f.Add("command.criteria", "required");
  std::set<std::string> ids;
  for (int i = 0; i < cmd.criteria_size(); ++i) {
    const v1::CriterionDefinition& c = cmd.criteria(i);
    const std::string path = absl::StrCat("command.criteria[", i, "]");
    f.Id(c.criterion_id(), path + ".criterion_id");
    if (!ids.insert(c.criterion_id()).second) {
      f.Add(path + ".criterion_id", "listed twice");
    }
    if (!std::isfinite(c.weight()) || c.weight() <= 0 || c.weight() > 1) {
      f.Add(path + ".weight", "must be in (0, 1]");
    }
  }
  if (!std::isfinite(cmd.designation_threshold()) ||
      cmd.designation_threshold() < 0) {
    f.Add("command.designation_threshold", "must be a non-negative number");
  }
  f.Positive(cmd.max_key_accounts(), "command.max_key_accounts");
  KAMGOV_RETURN_IF_ERROR(f.Status());
  KAMGOV_ASSIGN_OR_RETURN(const v1::PersonState* actor,
                          internal::FindActor(meta, ctx));
  KAMGOV_ASSIGN_OR_RETURN(
      const v1::ProgramState* program,
      internal::FindProgram(ctx, cmd.program_id(), "command.program_id"));
  const v1::ProgramPolicy policy = internal::PolicyOf(*program);
  KAMGOV_RETURN_IF_ERROR(internal::CheckEffectiveAt(meta, policy, ctx));
  double sum = 0;
  for (const v1::CriterionDefinition& c : cmd.criteria()) sum += c.weight();
  if (std::abs(sum - 1.0) > policy.weight_sum_tolerance()) {
    return InvalidArgument(
        {{"command.criteria",
          absl::StrCat("weights sum to ", sum, ", not 1 (tolerance ",
                       policy.weight_sum_tolerance(), "; rule ",
                       rules::kCriteriaWeightsNotOne, ")")}});
  }
  KAMGOV_RETURN_IF_ERROR(internal::CheckActorMayAct(*actor));
  if (!internal::IsSeniorManagement(*actor, program->program_id())) {
    return Violation(rules::kCriteriaPublisherNotSeniorManagement,
                     absl::StrCat("person '", actor->person_id(),
                                  "' is not senior management"));
  }
  const v1::CriteriaSet* current = internal::CurrentCriteria(*program);
  const int next = current == nullptr ? 1 : current->version() + 1;
  if (cmd.version() != next) {
    return Violation(rules::kCriteriaVersionNotNext,
                     absl::StrCat("the next criteria version is ", next,
                                  ", not ", cmd.version()));
  }
  bool tangible = false;
  bool intangible = false;
  for (const v1::CriterionDefinition& c : cmd.criteria()) {
    (c.tangible() ? tangible : intangible) = true;
  }
  if (!tangible || !intangible) {
    return Violation(rules::kCriteriaNotMixed,
                     absl::StrCat("the criteria are all ",
                                  tangible ? "tangible" : "intangible"));
  }
  if (cmd.designation_threshold() > policy.score_scale_max()) {
    return Violation(rules::kScoreOutOfRange,
                     absl::StrCat("threshold ", cmd.designation_threshold(),
                                  " is above the score scale maximum ",
                                  policy.score_scale_max()));
  }
  v1::SelectionCriteriaPublished published;
  published.set_program_id(program->program_id());
  published.set_version(cmd.version());
  std::map<std::string, std::string> names;
  for (const v1::CriterionDefinition& c : cmd.criteria()) {
    v1::Criterion* out = published.add_criteria();
    out->set_criterion_id(c.criterion_id());
    out->set_tangible(c.tangible());
    out->set_weight(c.weight());
    names[absl::StrCat("criterion_name.", c.criterion_id())] = c.name();
  }
  published.set_designation_threshold(cmd.designation_threshold());
  published.set_max_key_accounts(cmd.max_key_accounts());
  published.set_published_day(internal::Today(ctx));
  Events events(meta);
  events.Add(ProgramStream(program->program_id()), published,
             {ProgramTag(program->program_id())}, std::move(names));
  return events.Take();
}

absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::OpenSelectionCycle& cmd,
                                const DecisionContext& ctx) {
  KAMGOV_RETURN_IF_ERROR(internal::CheckContext(ctx));
  Fields f;
  f.Meta(meta, /*rationale_required=*/false);
  f.Id(cmd.program_id(), "command.program_id");
  f.Id(cmd.cycle_id(), "command.cycle_id");
  f.Positive(cmd.due_day(), "command.due_day");
  KAMGOV_RETURN_IF_ERROR(f.Status());
  KAMGOV_ASSIGN_OR_RETURN(const v1::PersonState* actor,
                          internal::FindActor(meta, ctx));
  KAMGOV_ASSIGN_OR_RETURN(
      const v1::ProgramState* program,
      internal::FindProgram(ctx, cmd.program_id(), "command.program_id"));
  const v1::ProgramPolicy policy = internal::PolicyOf(*program);
  KAMGOV_RETURN_IF_ERROR(internal::CheckEffectiveAt(meta, policy, ctx));
  KAMGOV_RETURN_IF_ERROR(internal::CheckActorMayAct(*actor));
  if (!internal::IsProgramAdmin(*actor, program->program_id())) {
    return Violation(rules::kProgramAdminNotAuthorized,
                     absl::StrCat("person '", actor->person_id(),
                                  "' is neither senior management nor a "
                                  "director of program '",
                                  program->program_id(), "'"));
  }
  if (!program->open_cycle().cycle_id().empty()) {
    return Violation(rules::kCycleAlreadyOpen,
                     absl::StrCat("cycle '", program->open_cycle().cycle_id(),
                                  "' is still open"));
  }
  if (ContainsSorted(program->closed_cycle_ids(), cmd.cycle_id())) {
    return Violation(rules::kCycleIdReused,
                     absl::StrCat("cycle '", cmd.cycle_id(),
                                  "' was already used in this program"));
  }
  const int64_t today = internal::Today(ctx);
  const int64_t latest = AddMonths(today, policy.selection_cycle_months());
  if (cmd.due_day() <= today || cmd.due_day() > latest) {
    return Violation(
        rules::kCycleDueOutOfRange,
        absl::StrCat("due day ", FormatDay(cmd.due_day()),
                     " is not after today (", FormatDay(today),
                     ") and at most ", policy.selection_cycle_months(),
                     " months ahead (", FormatDay(latest), ")"));
  }
  v1::SelectionCycleOpened opened;
  opened.set_program_id(program->program_id());
  opened.set_cycle_id(cmd.cycle_id());
  opened.set_opened_day(today);
  opened.set_due_day(cmd.due_day());
  Events events(meta);
  events.Add(ProgramStream(program->program_id()), opened,
             {ProgramTag(program->program_id())});
  return events.Take();
}

absl::StatusOr<Decision> Decide(const v1::CommandMeta& meta,
                                const v1::CloseSelectionCycle& cmd,
                                const DecisionContext& ctx) {
  KAMGOV_RETURN_IF_ERROR(internal::CheckContext(ctx));
  Fields f;
  f.Meta(meta, /*rationale_required=*/false);
  f.Id(cmd.program_id(), "command.program_id");
  f.Id(cmd.cycle_id(), "command.cycle_id");
  KAMGOV_RETURN_IF_ERROR(f.Status());
  KAMGOV_ASSIGN_OR_RETURN(const v1::PersonState* actor,
                          internal::FindActor(meta, ctx));
  KAMGOV_ASSIGN_OR_RETURN(
      const v1::ProgramState* program,
      internal::FindProgram(ctx, cmd.program_id(), "command.program_id"));
  KAMGOV_RETURN_IF_ERROR(
      internal::CheckEffectiveAt(meta, internal::PolicyOf(*program), ctx));
  KAMGOV_RETURN_IF_ERROR(internal::CheckActorMayAct(*actor));
  if (!internal::IsProgramAdmin(*actor, program->program_id())) {
    return Violation(rules::kProgramAdminNotAuthorized,
                     absl::StrCat("person '", actor->person_id(),
                                  "' is neither senior management nor a "
                                  "director of program '",
                                  program->program_id(), "'"));
  }
  const v1::SelectionCycleState& cycle = program->open_cycle();
  if (cycle.cycle_id().empty() || cycle.cycle_id() != cmd.cycle_id()) {
    return Violation(rules::kCycleNotOpen,
                     absl::StrCat("cycle '", cmd.cycle_id(),
                                  "' is not the open cycle of program '",
                                  program->program_id(), "'"));
  }
  std::vector<std::string> missing;
  for (const std::string& account : program->active_key_account_ids()) {
    if (!ContainsSorted(cycle.reevaluated_account_ids(), account)) {
      missing.push_back(account);
    }
  }
  if (!missing.empty()) {
    if (missing.size() > 5) {
      missing.resize(5);
      missing.push_back("...");
    }
    return Violation(
        rules::kCycleReevaluationIncomplete,
        absl::StrCat("key accounts not re-evaluated in cycle '",
                     cycle.cycle_id(), "': ", absl::StrJoin(missing, ", ")));
  }
  v1::SelectionCycleClosed closed;
  closed.set_program_id(program->program_id());
  closed.set_cycle_id(cycle.cycle_id());
  closed.set_closed_day(internal::Today(ctx));
  closed.set_reevaluated_count(cycle.reevaluated_account_ids_size());
  Events events(meta);
  events.Add(ProgramStream(program->program_id()), closed,
             {ProgramTag(program->program_id())});
  return events.Take();
}

}  // namespace kamgov::domain
