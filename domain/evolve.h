#ifndef KAMGOV_DOMAIN_EVOLVE_H_
#define KAMGOV_DOMAIN_EVOLVE_H_

// Evolve: folds one event into an aggregate's state. Pure; any thread (on
// distinct states).
//
// An aggregate's state is the fold, in log (position) order, of every event
// tagged with the aggregate's tag (ids.h): a program folds its accounts'
// designations, a person the assignments naming them, an account its
// escalations. Feeding an Evolve a tagged event it has no use for is
// harmless. Guarantees:
// - every type in EventTypes() is accepted;
// - unknown types are ignored (OK), so a newer log folds in older code;
// - before its creating event (ProgramEstablished, PersonRegistered,
//   AccountNominated, EscalationRaised) a state ignores everything else;
// - the result depends only on the (type, main) sequence: no clock, so a
//   replay always gives the same state.
// Errors: DATA_LOSS when the payload of a known type does not parse (the
// state is then unchanged).

#include <memory>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "domain/ids.h"
#include "google/protobuf/message.h"
#include "kamgov/v1/domain.pb.h"

namespace kamgov::domain {

absl::Status Evolve(v1::ProgramState& state, absl::string_view type,
                    absl::string_view main);
absl::Status Evolve(v1::PersonState& state, absl::string_view type,
                    absl::string_view main);
absl::Status Evolve(v1::AccountState& state, absl::string_view type,
                    absl::string_view main);
absl::Status Evolve(v1::EscalationState& state, absl::string_view type,
                    absl::string_view main);

// The same, for a state whose kind is known only at run time (readers
// that fold any tagged aggregate): NewState makes an empty state message of
// `kind` (v1::ProgramState, ...), EvolveState folds into one NewState made.
std::unique_ptr<google::protobuf::Message> NewState(AggregateKind kind);
absl::Status EvolveState(AggregateKind kind, google::protobuf::Message& state,
                         absl::string_view type, absl::string_view main);

// Whether an account of this state has a plan in force for coverage: one
// was submitted and the latest is neither rejected nor closed.
bool HasPlan(const v1::AccountState& account);

}  // namespace kamgov::domain

#endif  // KAMGOV_DOMAIN_EVOLVE_H_
