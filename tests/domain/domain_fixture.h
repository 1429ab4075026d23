#ifndef KAMGOV_TESTS_DOMAIN_DOMAIN_FIXTURE_H_
#define KAMGOV_TESTS_DOMAIN_DOMAIN_FIXTURE_H_

// A governance log in memory for tests: runs commands through Decide(),
// folds their events, keeps the whole log (to replay it, as after a
// restart) and runs the scheduler. Single-threaded.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "domain/days.h"
#include "domain/decide.h"
#include "domain/event.h"
#include "domain/scheduler.h"
#include "domain/state.h"
#include "gtest/gtest.h"
#include "proto/status_details.h"
#include "tests/domain/rule_cases.h"

namespace kamgov::domain::testing {

class Governance {
 public:
  // Decides and, on success, folds and logs the events.
  absl::StatusOr<Decision> Try(const CommandStep& step) {
    absl::StatusOr<Decision> decision = RunStep(state_, step);
    if (decision.ok()) {
      log_.insert(log_.end(), decision->events.begin(), decision->events.end());
    }
    return decision;
  }
  absl::StatusOr<Decision> Try(absl::string_view actor, absl::string_view text,
                               int64_t now_us = kT0,
                               absl::string_view rationale = "because") {
    return Try(Step(actor, text, rationale, now_us));
  }
  // Like Try, but the command must succeed.
  Decision Do(absl::string_view actor, absl::string_view text,
              int64_t now_us = kT0) {
    absl::StatusOr<Decision> decision = Try(actor, text, now_us);
    EXPECT_TRUE(decision.ok()) << text << "\n" << decision.status();
    return decision.ok() ? *std::move(decision) : Decision{};
  }
  void Setup(const Steps& steps) {
    for (const CommandStep& step : steps) {
      absl::StatusOr<Decision> decision = Try(step);
      ASSERT_TRUE(decision.ok())
          << CommandName(step.command) << ": " << decision.status();
    }
  }
  // The scheduler at `now_us`: every due event, folded and logged.
  std::vector<DomainEvent> Tick(int64_t now_us) {
    std::vector<DomainEvent> fired;
    for (const Decision& d : DueDeadlines(state_, now_us)) {
      EXPECT_TRUE(state_.Apply(d).ok());
      log_.insert(log_.end(), d.events.begin(), d.events.end());
      fired.insert(fired.end(), d.events.begin(), d.events.end());
    }
    return fired;
  }
  // A fresh state folded from the log: what a restarted process sees.
  GovernanceState Replay() const {
    GovernanceState replayed;
    for (const DomainEvent& e : log_) EXPECT_TRUE(replayed.Apply(e).ok());
    return replayed;
  }

  GovernanceState& state() { return state_; }
  const std::vector<DomainEvent>& log() const { return log_; }
  const v1::AccountState& account(absl::string_view id) {
    static const v1::AccountState kNone;
    const v1::AccountState* s = state_.FindAccount(id);
    EXPECT_NE(s, nullptr) << id;
    return s == nullptr ? kNone : *s;
  }
  const v1::PersonState& person(absl::string_view id) {
    static const v1::PersonState kNone;
    const v1::PersonState* s = state_.FindPerson(id);
    EXPECT_NE(s, nullptr) << id;
    return s == nullptr ? kNone : *s;
  }
  const v1::ProgramState& program(absl::string_view id) {
    static const v1::ProgramState kNone;
    const v1::ProgramState* s = state_.FindProgram(id);
    EXPECT_NE(s, nullptr) << id;
    return s == nullptr ? kNone : *s;
  }
  const v1::EscalationState& escalation(absl::string_view id) {
    static const v1::EscalationState kNone;
    const v1::EscalationState* s = state_.FindEscalation(id);
    EXPECT_NE(s, nullptr) << id;
    return s == nullptr ? kNone : *s;
  }

 private:
  GovernanceState state_;
  std::vector<DomainEvent> log_;
};

// Microseconds of 09:00 UTC on day kDay0 + `days`.
inline int64_t AtDay(int64_t days) { return kT0 + days * kMicrosPerDay; }

// The ErrorInfo reason of a status ("" when none).
inline std::string ReasonOf(const absl::Status& status) {
  auto info = GetErrorInfo(status);
  return info.has_value() ? info->reason() : "";
}

// Types of `events`, in order.
inline std::vector<std::string> TypesOf(
    const std::vector<DomainEvent>& events) {
  std::vector<std::string> types;
  for (const DomainEvent& e : events) types.push_back(e.type);
  return types;
}

}  // namespace kamgov::domain::testing

#endif  // KAMGOV_TESTS_DOMAIN_DOMAIN_FIXTURE_H_
