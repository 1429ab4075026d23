// Evolve: every emitted type folds, unknown types are ignored, a replay of
// the log gives the same state, and states and payloads hold no personal
// data.

#include "domain/evolve.h"

#include <set>
#include <string>

#include "absl/strings/match.h"
#include "domain/ids.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/domain/domain_fixture.h"

namespace kamgov::domain::testing {
namespace {

using google::protobuf::util::MessageDifferencer;

// A log that exercises every command of the rule table's passing side.
Governance RichLog() {
  Governance g;
  g.Setup(World() + Staffed("acme") + Staffed("beta") + Designated("delta") +
          Nominated("gamma", "apac"));
  g.Do("kam1", PlanText("acme", 1));
  g.Do("spons", R"pb(review_account_plan {
                       account_id: "acme"
                       plan_version: 1
                       outcome: PLAN_REVIEW_OUTCOME_APPROVED
                       comments: "ok"
                     })pb");
  g.Do("kam1", R"pb(add_team_member {
                      account_id: "acme"
                      member_id: "tm"
                      expertise: "vat"
                    })pb");
  g.Do("spons", R"pb(log_sponsor_engagement {
                       account_id: "acme"
                       kind: ENGAGEMENT_KIND_ROLES_AGREED
                     })pb");
  g.Do("tm", EscalationText("e1", "acme"));
  g.Do("kam1", R"pb(acknowledge_escalation { escalation_id: "e1" })pb");
  g.Do("tm", EscalationText("e2", "beta"));
  g.Do("boss", R"pb(reclassify_account {
                      account_id: "beta"
                      to_class: PORTFOLIO_CLASS_STAR
                    })pb");
  g.Do("boss", R"pb(de_designate_account {
                      account_id: "beta"
                      reason: DE_DESIGNATION_REASON_LOST
                      close_open_escalations: true
                    })pb");
  // Deadlines: coverage gaps, overdue review, engagement, time-outs.
  g.Tick(AtDay(400));
  g.Do("boss", R"pb(depart_person { person_id: "tm" })pb", AtDay(401));
  return g;
}

TEST(Evolve, EveryEventTypeFoldsIntoEveryAggregateKind) {
  Governance g = RichLog();
  std::set<std::string> emitted;
  for (const DomainEvent& e : g.log()) emitted.insert(e.type);
  std::set<std::string> known;
  for (absl::string_view t : EventTypes()) known.insert(std::string(t));
  // The rich log misses only what other tests produce.
  std::set<std::string> missing;
  for (const std::string& t : known) {
    if (!emitted.count(t)) missing.insert(t);
  }
  EXPECT_THAT(missing, ::testing::IsSubsetOf(std::set<std::string>{
                           "SelectionCycleOpened", "SelectionCycleClosed",
                           "GovernanceRoleGranted", "GovernanceRoleRevoked",
                           "NominationRejected", "AccountReevaluated",
                           "EscalationResolved"}));
  for (const std::string& t : emitted) EXPECT_TRUE(known.count(t)) << t;

  // An empty payload of every known type is accepted by every aggregate.
  v1::ProgramState program = g.program("emea");
  v1::PersonState person = g.person("kam1");
  v1::AccountState account = g.account("acme");
  v1::EscalationState escalation = g.escalation("e1");
  for (absl::string_view type : EventTypes()) {
    EXPECT_TRUE(Evolve(program, type, "").ok()) << type;
    EXPECT_TRUE(Evolve(person, type, "").ok()) << type;
    EXPECT_TRUE(Evolve(account, type, "").ok()) << type;
    EXPECT_TRUE(Evolve(escalation, type, "").ok()) << type;
  }
}

TEST(Evolve, UnknownTypesAreIgnoredAndBadPayloadsAreDataLoss) {
  Governance g = RichLog();
  v1::AccountState account = g.account("acme");
  const v1::AccountState before = account;
  EXPECT_TRUE(Evolve(account, "AccountTeleported", "\x01\x02garbage").ok());
  EXPECT_TRUE(MessageDifferencer::Equals(account, before));
  absl::Status bad = Evolve(account, "AccountReclassified", "\xff\xff\xff");
  EXPECT_EQ(bad.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(MessageDifferencer::Equals(account, before));
}

TEST(Evolve, NothingFoldsBeforeTheCreatingEvent) {
  v1::AccountState account;
  v1::AccountReclassified reclassified;
  reclassified.set_account_id("acme");
  reclassified.set_to_class(v1::PORTFOLIO_CLASS_STAR);
  ASSERT_TRUE(
      Evolve(account, "AccountReclassified", reclassified.SerializeAsString())
          .ok());
  EXPECT_TRUE(account.account_id().empty());
  EXPECT_EQ(account.portfolio_class(), v1::PORTFOLIO_CLASS_UNSPECIFIED);
  GovernanceState state;
  ASSERT_TRUE(state
                  .Apply(MakeEvent("account-acme", reclassified,
                                   {"account:acme", "program:emea"}))
                  .ok());
  EXPECT_EQ(state.FindAccount("acme"), nullptr);
  EXPECT_EQ(state.FindProgram("emea"), nullptr);
}

// A restarted process folds the stored log: same states as the process
// that decided it, whether it folds DomainEvents or stored EventRecords.
TEST(Evolve, ReplayGivesTheSameStates) {
  Governance g = RichLog();
  GovernanceState replayed = g.Replay();
  GovernanceState from_records;
  for (const DomainEvent& e : g.log()) {
    v1::EventRecord record;
    record.set_stream_id(e.stream_id);
    record.set_type(e.type);
    for (const std::string& t : e.tags) record.add_tags(t);
    record.set_main(e.main);
    ASSERT_TRUE(from_records.Apply(record).ok());
  }
  for (const GovernanceState* other : {&replayed, &from_records}) {
    ASSERT_EQ(other->accounts().size(), g.state().accounts().size());
    for (const auto& [id, s] : g.state().accounts()) {
      EXPECT_TRUE(MessageDifferencer::Equals(s, *other->FindAccount(id))) << id;
    }
    for (const auto& [id, s] : g.state().persons()) {
      EXPECT_TRUE(MessageDifferencer::Equals(s, *other->FindPerson(id))) << id;
    }
    for (const auto& [id, s] : g.state().programs()) {
      EXPECT_TRUE(MessageDifferencer::Equals(s, *other->FindProgram(id))) << id;
    }
    for (const auto& [id, s] : g.state().escalations()) {
      EXPECT_TRUE(MessageDifferencer::Equals(s, *other->FindEscalation(id)))
          << id;
    }
  }
}

// Names and free text travel only in the personal part (DOMAIN.md
// "Personal data"): an erasure must not leave copies in payloads or states.
TEST(Evolve, PayloadsAndStatesHoldNoPersonalText) {
  Governance g = RichLog();
  const std::vector<std::string> personal = {
      "Name of kam1",     "Customer acme", "big and growing", "two experts",
      "lower total cost", "initiative 1",  "Strategic fit",   "because"};
  std::set<std::string> seen_in_personal;
  for (const DomainEvent& e : g.log()) {
    for (const std::string& text : personal) {
      EXPECT_FALSE(absl::StrContains(e.main, text)) << e.type << ": " << text;
      std::string p = e.personal.SerializeAsString();
      if (absl::StrContains(p, text)) seen_in_personal.insert(text);
    }
  }
  EXPECT_EQ(seen_in_personal.size(), personal.size());
  std::string states;
  for (const auto& [id, s] : g.state().accounts())
    states += s.SerializeAsString();
  for (const auto& [id, s] : g.state().persons())
    states += s.SerializeAsString();
  for (const auto& [id, s] : g.state().programs())
    states += s.SerializeAsString();
  for (const auto& [id, s] : g.state().escalations()) {
    states += s.SerializeAsString();
  }
  for (const std::string& text : personal) {
    EXPECT_FALSE(absl::StrContains(states, text)) << text;
  }
}

// Every event carries its own aggregate's tag and valid identifiers; account
// and escalation events carry their program and account.
TEST(Evolve, EventsCarryTheirTags) {
  Governance g = RichLog();
  for (const DomainEvent& e : g.log()) {
    auto own = ParseStreamId(e.stream_id);
    ASSERT_TRUE(own.has_value()) << e.stream_id;
    EXPECT_THAT(e.tags, ::testing::Contains(Tag(own->kind, own->id))) << e.type;
    EXPECT_TRUE(std::is_sorted(e.tags.begin(), e.tags.end()));
    for (const std::string& tag : e.tags) {
      EXPECT_TRUE(ParseTag(tag).has_value()) << tag;
    }
    if (own->kind == AggregateKind::kAccount ||
        own->kind == AggregateKind::kEscalation) {
      bool has_program = false;
      bool has_account = false;
      for (const std::string& tag : e.tags) {
        has_program = has_program || absl::StartsWith(tag, "program:");
        has_account = has_account || absl::StartsWith(tag, "account:");
      }
      EXPECT_TRUE(has_program && has_account) << e.type;
    }
  }
}

TEST(Ids, StreamsAndTagsRoundTrip) {
  EXPECT_EQ(AccountStream("acme"), "account-acme");
  EXPECT_EQ(EscalationTag("e-1"), "escalation:e-1");
  auto ref = ParseStreamId("escalation-e-1");
  ASSERT_TRUE(ref.has_value());
  EXPECT_EQ(ref->kind, AggregateKind::kEscalation);
  EXPECT_EQ(ref->id, "e-1");
  EXPECT_FALSE(ParseTag("customer:x").has_value());
  EXPECT_FALSE(IsValidId(""));
  EXPECT_FALSE(IsValidId("a b"));
  EXPECT_TRUE(IsValidId(std::string(kMaxIdLength, 'x')));
  EXPECT_FALSE(IsValidId(std::string(kMaxIdLength + 1, 'x')));
  // The longest stream id still fits the event store's 128 characters.
  EXPECT_LE(EscalationStream(std::string(kMaxIdLength, 'x')).size(), 128u);
}

TEST(Days, CalendarArithmetic) {
  EXPECT_EQ(DayFromCivil(2025, 1, 6), kDay0);
  EXPECT_EQ(DayOf(kT0), kDay0);
  EXPECT_EQ(DayOf(-1), -1);
  EXPECT_EQ(FormatDay(kDay0), "2025-01-06");
  EXPECT_EQ(FormatDay(AddMonths(DayFromCivil(2024, 1, 31), 1)), "2024-02-29");
  EXPECT_EQ(FormatDay(AddMonths(DayFromCivil(2025, 1, 6), 12)), "2026-01-06");
}

}  // namespace
}  // namespace kamgov::domain::testing
