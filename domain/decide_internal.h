#ifndef KAMGOV_DOMAIN_DECIDE_INTERNAL_H_
#define KAMGOV_DOMAIN_DECIDE_INTERNAL_H_

// Helpers shared by the decide_*.cc files. Internal to domain/.

#include <initializer_list>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "domain/decide.h"
#include "domain/event.h"
#include "domain/rules.h"
#include "kamgov/v1/domain.pb.h"
#include "kamgov/v1/governance.pb.h"
#include "proto/status_details.h"

#define KAMGOV_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    absl::Status kamgov_status_ = (expr);            \
    if (!kamgov_status_.ok()) return kamgov_status_; \
  } while (0)

#define KAMGOV_CONCAT_INNER_(a, b) a##b
#define KAMGOV_CONCAT_(a, b) KAMGOV_CONCAT_INNER_(a, b)
#define KAMGOV_ASSIGN_OR_RETURN(lhs, expr) \
  KAMGOV_ASSIGN_OR_RETURN_IMPL_(KAMGOV_CONCAT_(kamgov_or_, __LINE__), lhs, expr)
#define KAMGOV_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = *std::move(tmp)

namespace kamgov::domain::internal {

// Collects the field violations of one request.
class Fields {
 public:
  void Add(std::string field, std::string description);
  // Present and a valid id.
  void Id(absl::string_view value, absl::string_view field);
  // Empty, or a valid id.
  void OptionalId(absl::string_view value, absl::string_view field);
  void Text(absl::string_view value, absl::string_view field);
  // A known, non-zero enum value.
  void Enum(int value, bool (*is_valid)(int), absl::string_view field);
  // Zero, or a known enum value.
  void OptionalEnum(int value, bool (*is_valid)(int), absl::string_view field);
  void Positive(int64_t value, absl::string_view field);
  // Ids of a repeated field: each valid, none twice.
  void UniqueIds(const google::protobuf::RepeatedPtrField<std::string>& ids,
                 absl::string_view field);
  // Scores: valid unique criterion ids, finite values.
  void Scores(
      const google::protobuf::RepeatedPtrField<v1::CriterionScore>& scores,
      absl::string_view field);
  void Role(const v1::RoleAssignment& role, absl::string_view field);
  // acting_person, rationale (when required), effective_at_us >= 0.
  void Meta(const v1::CommandMeta& meta, bool rationale_required);

  bool ok() const { return violations_.empty(); }
  // OK, or INVALID_ARGUMENT listing every violation.
  absl::Status Status() const;

 private:
  std::vector<FieldViolation> violations_;
};

// INTERNAL when the context has no state view.
absl::Status CheckContext(const DecisionContext& ctx);

// NOT_FOUND with ErrorInfo{reason, metadata {field, id}}.
absl::Status NotFound(absl::string_view reason, absl::string_view what,
                      absl::string_view field, absl::string_view id);

absl::StatusOr<const v1::PersonState*> FindPerson(const DecisionContext& ctx,
                                                  absl::string_view id,
                                                  absl::string_view field);
absl::StatusOr<const v1::ProgramState*> FindProgram(const DecisionContext& ctx,
                                                    absl::string_view id,
                                                    absl::string_view field);
absl::StatusOr<const v1::AccountState*> FindAccount(const DecisionContext& ctx,
                                                    absl::string_view id,
                                                    absl::string_view field);
absl::StatusOr<const v1::EscalationState*> FindEscalation(
    const DecisionContext& ctx, absl::string_view id, absl::string_view field);

// The acting person (NOT_FOUND on "meta.acting_person").
absl::StatusOr<const v1::PersonState*> FindActor(const v1::CommandMeta& meta,
                                                 const DecisionContext& ctx);

// ACTOR_DEPARTED, ACTOR_READ_ONLY.
absl::Status CheckActorMayAct(const v1::PersonState& actor);

// INVALID_ARGUMENT (meta.effective_at_us) when effective_at lies beyond
// now + the policy's skew allowance. `policy` is effective.
absl::Status CheckEffectiveAt(const v1::CommandMeta& meta,
                              const v1::ProgramPolicy& policy,
                              const DecisionContext& ctx);

// Role held organization-wide or for `program_id`.
bool HasRole(const v1::PersonState& person, v1::GovernanceRole role,
             absl::string_view program_id);
// Role held with any scope.
bool HasRoleAnywhere(const v1::PersonState& person, v1::GovernanceRole role);
bool IsSeniorManagement(const v1::PersonState& person,
                        absl::string_view program_id);
bool IsProgramAdmin(const v1::PersonState& person,
                    absl::string_view program_id);

int64_t Today(const DecisionContext& ctx);

// The program's complete policy.
v1::ProgramPolicy PolicyOf(const v1::ProgramState& program);

// Criteria.
const v1::CriteriaSet* CurrentCriteria(const v1::ProgramState& program);
const v1::CriteriaSet* FindCriteria(const v1::ProgramState& program,
                                    int version);
// Resolves the cited version for a designation or re-evaluation:
// CRITERIA_NOT_PUBLISHED, NOT_FOUND (never published),
// CRITERIA_VERSION_SUPERSEDED.
absl::StatusOr<const v1::CriteriaSet*> CitedCurrentCriteria(
    const v1::ProgramState& program, int version);
// SCORE_OUT_OF_RANGE, CRITERION_UNKNOWN and (when `complete`)
// CRITERIA_SCORE_MISSING; returns the weighted score.
absl::StatusOr<double> WeightedScore(
    const v1::CriteriaSet& criteria,
    const google::protobuf::RepeatedPtrField<v1::CriterionScore>& scores,
    const v1::ProgramPolicy& policy, bool complete);

// Builds the events of one decision; every event gets the meta's rationale
// and effective_at.
class Events {
 public:
  explicit Events(const v1::CommandMeta& meta) : meta_(meta) {}
  void Add(std::string stream_id, const google::protobuf::Message& payload,
           std::vector<std::string> tags,
           std::map<std::string, std::string> text = {});
  Decision Take() { return std::move(decision_); }

 private:
  const v1::CommandMeta& meta_;
  Decision decision_;
};

// account:<id>, program:<program_id>, person:<p> for each non-empty p.
std::vector<std::string> AccountTags(
    const v1::AccountState& account,
    std::initializer_list<absl::string_view> persons = {});
// escalation:<id>, account:<account_id>, program:<program_id>.
std::vector<std::string> EscalationTags(absl::string_view escalation_id,
                                        absl::string_view account_id,
                                        absl::string_view program_id);

}  // namespace kamgov::domain::internal

#endif  // KAMGOV_DOMAIN_DECIDE_INTERNAL_H_
