#include "domain/state.h"

#include "domain/evolve.h"
#include "domain/ids.h"

namespace kamgov::domain {
namespace {

// Folds into states[id]; drops the entry again when the event did not
// create the aggregate (its id field stays empty).
template <typename State>
absl::Status FoldInto(std::map<std::string, State, std::less<>>& states,
                      const std::string& id, absl::string_view type,
                      absl::string_view main,
                      const std::string& (State::*id_of)() const) {
  auto [it, inserted] = states.try_emplace(id);
  absl::Status status = Evolve(it->second, type, main);
  if ((it->second.*id_of)().empty()) states.erase(it);
  return status;
}

template <typename State>
const State* Find(const std::map<std::string, State, std::less<>>& states,
                  absl::string_view id) {
  auto it = states.find(id);
  return it == states.end() ? nullptr : &it->second;
}

}  // namespace

absl::Status GovernanceState::Apply(absl::string_view type,
                                    absl::Span<const std::string> tags,
                                    absl::string_view main) {
  ++events_applied_;
  for (const std::string& tag : tags) {
    std::optional<AggregateRef> ref = ParseTag(tag);
    if (!ref.has_value()) continue;
    absl::Status status;
    switch (ref->kind) {
      case AggregateKind::kProgram:
        status = FoldInto(programs_, ref->id, type, main,
                          &v1::ProgramState::program_id);
        break;
      case AggregateKind::kPerson:
        status = FoldInto(persons_, ref->id, type, main,
                          &v1::PersonState::person_id);
        break;
      case AggregateKind::kAccount:
        status = FoldInto(accounts_, ref->id, type, main,
                          &v1::AccountState::account_id);
        break;
      case AggregateKind::kEscalation:
        status = FoldInto(escalations_, ref->id, type, main,
                          &v1::EscalationState::escalation_id);
        break;
    }
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::Status GovernanceState::Apply(const DomainEvent& event) {
  return Apply(event.type, event.tags, event.main);
}

absl::Status GovernanceState::Apply(const v1::EventRecord& record) {
  std::vector<std::string> tags(record.tags().begin(), record.tags().end());
  return Apply(record.type(), tags, record.main());
}

absl::Status GovernanceState::Apply(const Decision& decision) {
  for (const DomainEvent& event : decision.events) {
    absl::Status status = Apply(event);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

const v1::ProgramState* GovernanceState::FindProgram(
    absl::string_view id) const {
  return Find(programs_, id);
}
const v1::PersonState* GovernanceState::FindPerson(absl::string_view id) const {
  return Find(persons_, id);
}
const v1::AccountState* GovernanceState::FindAccount(
    absl::string_view id) const {
  return Find(accounts_, id);
}
const v1::EscalationState* GovernanceState::FindEscalation(
    absl::string_view id) const {
  return Find(escalations_, id);
}

}  // namespace kamgov::domain
