#ifndef KAMGOV_DOMAIN_STATE_H_
#define KAMGOV_DOMAIN_STATE_H_

// Where decisions read aggregate states from.
//
// StateView is the read interface Decide() uses (decide.h). The command
// processor implements it over its in-memory cache, which must include the
// events it decided but has not committed yet. GovernanceState is a
// complete in-memory implementation: it folds every event into every
// aggregate the event is tagged with, and is what tests, tools and (if it
// wants) the processor use.

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "domain/event.h"
#include "kamgov/v1/domain.pb.h"
#include "kamgov/v1/event.pb.h"

namespace kamgov::domain {

// Read access to aggregate states by id. Each Find returns nullptr when the
// aggregate does not exist (its creating event was never folded). Returned
// pointers stay valid for the duration of one Decide() call; Decide() reads
// only, and calls from one thread at a time. An implementation may load
// lazily; if a load fails it must make the caller discard the decision
// (e.g. remember the error), never report a loadable aggregate as missing.
class StateView {
 public:
  virtual ~StateView() = default;
  virtual const v1::ProgramState* FindProgram(absl::string_view id) const = 0;
  virtual const v1::PersonState* FindPerson(absl::string_view id) const = 0;
  virtual const v1::AccountState* FindAccount(absl::string_view id) const = 0;
  virtual const v1::EscalationState* FindEscalation(
      absl::string_view id) const = 0;
};

// Every aggregate's state, folded from the whole log.
//
// Apply() folds an event into each aggregate named by its tags (ids.h),
// creating the aggregate on its creating event. Events must be applied in
// log order, each exactly once. Not thread-safe: one writer, or external
// locking. Errors: DATA_LOSS for a payload that does not parse (the state
// may then be partly updated: discard it).
class GovernanceState : public StateView {
 public:
  absl::Status Apply(const DomainEvent& event);
  absl::Status Apply(const v1::EventRecord& record);
  absl::Status Apply(absl::string_view type, absl::Span<const std::string> tags,
                     absl::string_view main);
  // Applies every event of a decision, in order.
  absl::Status Apply(const Decision& decision);

  const v1::ProgramState* FindProgram(absl::string_view id) const override;
  const v1::PersonState* FindPerson(absl::string_view id) const override;
  const v1::AccountState* FindAccount(absl::string_view id) const override;
  const v1::EscalationState* FindEscalation(
      absl::string_view id) const override;

  // True until the first event is applied: the bootstrap condition.
  bool empty() const { return events_applied_ == 0; }
  uint64_t events_applied() const { return events_applied_; }

  // Existing aggregates, ordered by id.
  const std::map<std::string, v1::ProgramState, std::less<>>& programs() const {
    return programs_;
  }
  const std::map<std::string, v1::PersonState, std::less<>>& persons() const {
    return persons_;
  }
  const std::map<std::string, v1::AccountState, std::less<>>& accounts() const {
    return accounts_;
  }
  const std::map<std::string, v1::EscalationState, std::less<>>& escalations()
      const {
    return escalations_;
  }

 private:
  std::map<std::string, v1::ProgramState, std::less<>> programs_;
  std::map<std::string, v1::PersonState, std::less<>> persons_;
  std::map<std::string, v1::AccountState, std::less<>> accounts_;
  std::map<std::string, v1::EscalationState, std::less<>> escalations_;
  uint64_t events_applied_ = 0;
};

}  // namespace kamgov::domain

#endif  // KAMGOV_DOMAIN_STATE_H_
