#include <cmath>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "domain/days.h"
#include "domain/decide_internal.h"
#include "domain/ids.h"
#include "domain/policy.h"

namespace kamgov::domain::internal {

void Fields::Add(std::string field, std::string description) {
  violations_.push_back({std::move(field), std::move(description)});
}

void Fields::Id(absl::string_view value, absl::string_view field) {
  if (value.empty()) {
    Add(std::string(field), "required");
  } else {
    OptionalId(value, field);
  }
}

void Fields::OptionalId(absl::string_view value, absl::string_view field) {
  if (!value.empty() && !IsValidId(value)) {
    Add(std::string(field), absl::StrCat("must be 1..", kMaxIdLength,
                                         " characters of [A-Za-z0-9._:@-]"));
  }
}

void Fields::Text(absl::string_view value, absl::string_view field) {
  if (absl::StripAsciiWhitespace(value).empty()) {
    Add(std::string(field), "required");
  }
}

void Fields::Enum(int value, bool (*is_valid)(int), absl::string_view field) {
  if (value == 0) {
    Add(std::string(field), "required");
  } else {
    OptionalEnum(value, is_valid, field);
  }
}

void Fields::OptionalEnum(int value, bool (*is_valid)(int),
                          absl::string_view field) {
  if (!is_valid(value)) {
    Add(std::string(field), absl::StrCat("unknown value ", value));
  }
}

void Fields::Positive(int64_t value, absl::string_view field) {
  if (value <= 0) Add(std::string(field), "must be positive");
}

void Fields::UniqueIds(
    const google::protobuf::RepeatedPtrField<std::string>& ids,
    absl::string_view field) {
  std::set<std::string> seen;
  for (int i = 0; i < ids.size(); ++i) {
    const std::string path = absl::StrCat(field, "[", i, "]");
    Id(ids.Get(i), path);
    if (!seen.insert(ids.Get(i)).second) Add(path, "listed twice");
  }
}

void Fields::Scores(
    const google::protobuf::RepeatedPtrField<v1::CriterionScore>& scores,
    absl::string_view field) {
  std::set<std::string> seen;
  for (int i = 0; i < scores.size(); ++i) {
    const std::string path = absl::StrCat(field, "[", i, "]");
    Id(scores.Get(i).criterion_id(), path + ".criterion_id");
    if (!seen.insert(scores.Get(i).criterion_id()).second) {
      Add(path + ".criterion_id", "scored twice");
    }
    if (!std::isfinite(scores.Get(i).score())) {
      Add(path + ".score", "must be a finite number");
    }
  }
}

void Fields::Role(const v1::RoleAssignment& role, absl::string_view field) {
  Enum(role.role(), v1::GovernanceRole_IsValid, absl::StrCat(field, ".role"));
  OptionalId(role.program_id(), absl::StrCat(field, ".program_id"));
}

void Fields::Meta(const v1::CommandMeta& meta, bool rationale_required) {
  Id(meta.acting_person(), "meta.acting_person");
  if (rationale_required &&
      absl::StripAsciiWhitespace(meta.rationale()).empty()) {
    Add("meta.rationale", absl::StrCat("required for this command (rule ",
                                       rules::kRationaleRequired, ")"));
  }
  if (meta.effective_at_us() < 0) {
    Add("meta.effective_at_us", "must not be negative");
  }
}

absl::Status Fields::Status() const {
  if (violations_.empty()) return absl::OkStatus();
  return InvalidArgument(violations_);
}

absl::Status CheckContext(const DecisionContext& ctx) {
  if (ctx.state == nullptr) {
    return absl::InternalError("DecisionContext.state is not set");
  }
  return absl::OkStatus();
}

absl::Status NotFound(absl::string_view reason, absl::string_view what,
                      absl::string_view field, absl::string_view id) {
  return ErrorWithReason(
      absl::StatusCode::kNotFound,
      absl::StrCat(what, " '", id, "' (", field, ") does not exist"), reason,
      {{"field", std::string(field)}, {"id", std::string(id)}});
}

absl::StatusOr<const v1::PersonState*> FindPerson(const DecisionContext& ctx,
                                                  absl::string_view id,
                                                  absl::string_view field) {
  const v1::PersonState* person = ctx.state->FindPerson(id);
  if (person == nullptr)
    return NotFound("PERSON_NOT_FOUND", "person", field, id);
  return person;
}

absl::StatusOr<const v1::ProgramState*> FindProgram(const DecisionContext& ctx,
                                                    absl::string_view id,
                                                    absl::string_view field) {
  const v1::ProgramState* program = ctx.state->FindProgram(id);
  if (program == nullptr) {
    return NotFound("PROGRAM_NOT_FOUND", "program", field, id);
  }
  return program;
}

absl::StatusOr<const v1::AccountState*> FindAccount(const DecisionContext& ctx,
                                                    absl::string_view id,
                                                    absl::string_view field) {
  const v1::AccountState* account = ctx.state->FindAccount(id);
  if (account == nullptr) {
    return NotFound("ACCOUNT_NOT_FOUND", "account", field, id);
  }
  return account;
}

absl::StatusOr<const v1::EscalationState*> FindEscalation(
    const DecisionContext& ctx, absl::string_view id, absl::string_view field) {
  const v1::EscalationState* escalation = ctx.state->FindEscalation(id);
  if (escalation == nullptr) {
    return NotFound("ESCALATION_NOT_FOUND", "escalation", field, id);
  }
  return escalation;
}

absl::StatusOr<const v1::PersonState*> FindActor(const v1::CommandMeta& meta,
                                                 const DecisionContext& ctx) {
  return FindPerson(ctx, meta.acting_person(), "meta.acting_person");
}

bool HasRole(const v1::PersonState& person, v1::GovernanceRole role,
             absl::string_view program_id) {
  for (const v1::RoleAssignment& r : person.roles()) {
    if (r.role() == role &&
        (r.program_id().empty() || r.program_id() == program_id)) {
      return true;
    }
  }
  return false;
}

bool HasRoleAnywhere(const v1::PersonState& person, v1::GovernanceRole role) {
  for (const v1::RoleAssignment& r : person.roles()) {
    if (r.role() == role) return true;
  }
  return false;
}

bool IsSeniorManagement(const v1::PersonState& person,
                        absl::string_view program_id) {
  return HasRole(person, v1::GOVERNANCE_ROLE_SENIOR_MANAGEMENT, program_id);
}

bool IsProgramAdmin(const v1::PersonState& person,
                    absl::string_view program_id) {
  return IsSeniorManagement(person, program_id) ||
         HasRole(person, v1::GOVERNANCE_ROLE_PROGRAM_DIRECTOR, program_id);
}

absl::Status CheckActorMayAct(const v1::PersonState& actor) {
  if (actor.departed()) {
    return Violation(rules::kActorDeparted,
                     absl::StrCat("person '", actor.person_id(),
                                  "' has departed and can no longer act"));
  }
  for (const v1::RoleAssignment& r : actor.roles()) {
    if (r.role() != v1::GOVERNANCE_ROLE_AUDITOR) return absl::OkStatus();
  }
  return Violation(rules::kActorReadOnly,
                   absl::StrCat("person '", actor.person_id(),
                                "' holds no role that may change anything"));
}

absl::Status CheckEffectiveAt(const v1::CommandMeta& meta,
                              const v1::ProgramPolicy& policy,
                              const DecisionContext& ctx) {
  if (meta.effective_at_us() > ctx.now_us + policy.effective_at_skew_us()) {
    return InvalidArgument(
        {{"meta.effective_at_us",
          absl::StrCat("lies ", meta.effective_at_us() - ctx.now_us,
                       " us in the future; at most ",
                       policy.effective_at_skew_us(), " us are allowed (rule ",
                       rules::kEffectiveAtInFuture, ")")}});
  }
  return absl::OkStatus();
}

int64_t Today(const DecisionContext& ctx) { return DayOf(ctx.now_us); }

v1::ProgramPolicy PolicyOf(const v1::ProgramState& program) {
  return EffectivePolicy(program.policy());
}

const v1::CriteriaSet* CurrentCriteria(const v1::ProgramState& program) {
  if (program.criteria_size() == 0) return nullptr;
  return &program.criteria(program.criteria_size() - 1);
}

const v1::CriteriaSet* FindCriteria(const v1::ProgramState& program,
                                    int version) {
  for (const v1::CriteriaSet& set : program.criteria()) {
    if (set.version() == version) return &set;
  }
  return nullptr;
}

absl::StatusOr<const v1::CriteriaSet*> CitedCurrentCriteria(
    const v1::ProgramState& program, int version) {
  const v1::CriteriaSet* current = CurrentCriteria(program);
  if (current == nullptr) {
    return Violation(rules::kCriteriaNotPublished,
                     absl::StrCat("program '", program.program_id(),
                                  "' has no published selection criteria"));
  }
  const v1::CriteriaSet* cited = FindCriteria(program, version);
  if (cited == nullptr) {
    return NotFound("CRITERIA_VERSION_NOT_FOUND", "criteria version",
                    "command.criteria_version", absl::StrCat(version));
  }
  if (cited->version() != current->version()) {
    return Violation(
        rules::kCriteriaVersionSuperseded,
        absl::StrCat("criteria version ", version, " is superseded by version ",
                     current->version()));
  }
  return cited;
}

absl::StatusOr<double> WeightedScore(
    const v1::CriteriaSet& criteria,
    const google::protobuf::RepeatedPtrField<v1::CriterionScore>& scores,
    const v1::ProgramPolicy& policy, bool complete) {
  std::map<std::string, double> weights;
  for (const v1::Criterion& c : criteria.criteria()) {
    weights[c.criterion_id()] = c.weight();
  }
  for (const v1::CriterionScore& s : scores) {
    if (s.score() < 0 || s.score() > policy.score_scale_max()) {
      return Violation(
          rules::kScoreOutOfRange,
          absl::StrCat("score ", s.score(), " for '", s.criterion_id(),
                       "' is outside [0, ", policy.score_scale_max(), "]"));
    }
  }
  double total = 0;
  std::set<std::string> scored;
  for (const v1::CriterionScore& s : scores) {
    auto it = weights.find(s.criterion_id());
    if (it == weights.end()) {
      return Violation(
          rules::kCriterionUnknown,
          absl::StrCat("criterion '", s.criterion_id(),
                       "' is not in criteria version ", criteria.version()));
    }
    total += it->second * s.score();
    scored.insert(s.criterion_id());
  }
  if (complete) {
    for (const v1::Criterion& c : criteria.criteria()) {
      if (scored.count(c.criterion_id()) == 0) {
        return Violation(
            rules::kCriteriaScoreMissing,
            absl::StrCat("no score for criterion '", c.criterion_id(),
                         "' of version ", criteria.version()));
      }
    }
  }
  return total;
}

void Events::Add(std::string stream_id,
                 const google::protobuf::Message& payload,
                 std::vector<std::string> tags,
                 std::map<std::string, std::string> text) {
  v1::PersonalPart personal;
  personal.set_rationale(meta_.rationale());
  for (auto& [key, value] : text) {
    if (!value.empty()) (*personal.mutable_text())[key] = std::move(value);
  }
  decision_.events.push_back(MakeEvent(std::move(stream_id), payload,
                                       std::move(tags), std::move(personal),
                                       meta_.effective_at_us()));
}

std::vector<std::string> AccountTags(
    const v1::AccountState& account,
    std::initializer_list<absl::string_view> persons) {
  std::vector<std::string> tags = {AccountTag(account.account_id()),
                                   ProgramTag(account.program_id())};
  for (absl::string_view p : persons) {
    if (!p.empty()) tags.push_back(PersonTag(p));
  }
  return tags;
}

std::vector<std::string> EscalationTags(absl::string_view escalation_id,
                                        absl::string_view account_id,
                                        absl::string_view program_id) {
  return {EscalationTag(escalation_id), AccountTag(account_id),
          ProgramTag(program_id)};
}

}  // namespace kamgov::domain::internal
