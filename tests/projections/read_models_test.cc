// The dashboard read models against hand-computed answers for the scenario
// of read_models_scenario.h (which lists what happens on which day), over
// in-memory rows (memory_rows.h). The engine-backed path is covered by
// tests/services/query_test.cc.

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "projections/coverage_projection.h"
#include "projections/escalations_projection.h"
#include "projections/history_projection.h"
#include "projections/plan_compliance_projection.h"
#include "projections/portfolio_projection.h"
#include "projections/selection_cycle_projection.h"
#include "projections/sponsor_load_projection.h"
#include "proto/status_details.h"
#include "tests/domain/rule_cases.h"
#include "tests/projections/memory_rows.h"
#include "tests/projections/read_models_scenario.h"

namespace kamgov::projections {
namespace {

using ::kamgov::testing::kQueryDay;
using ::kamgov::testing::ScenarioTime;
using ::testing::ElementsAre;
using testing::MemoryRows;
using ::testing::Pair;

constexpr int64_t kDay0 = domain::testing::kDay0;

// The scenario's events, decided once.
const std::vector<eventstore::RecordedEvent>& Events() {
  static const auto* events = new std::vector<eventstore::RecordedEvent>(
      ::kamgov::testing::ReadModelScenarioEvents());
  return *events;
}

// Rows of `projection` after the whole scenario, one batch per event.
std::unique_ptr<MemoryRows> Build(Projection& projection) {
  auto rows = std::make_unique<MemoryRows>();
  for (const eventstore::RecordedEvent& event : Events()) {
    absl::Status status = rows->ApplyAndFlush(projection, event);
    EXPECT_TRUE(status.ok()) << event.record.type() << ": " << status;
  }
  return rows;
}

QueryContext At(int64_t day, size_t page_size = 100) {
  QueryContext context;
  context.now_us = ScenarioTime(day);
  context.page_size = page_size;
  return context;
}

std::string FieldOf(const absl::Status& status) {
  auto bad = GetBadRequest(status);
  if (!bad.has_value() || bad->field_violations().empty()) return "";
  return bad->field_violations(0).field();
}

template <typename Response>
std::vector<std::string> Ids(const Response& response);
template <>
std::vector<std::string> Ids(const v1::PortfolioResponse& r) {
  std::vector<std::string> ids;
  for (const auto& a : r.accounts()) ids.push_back(a.account_id());
  return ids;
}
template <>
std::vector<std::string> Ids(const v1::CoverageResponse& r) {
  std::vector<std::string> ids;
  for (const auto& a : r.accounts()) ids.push_back(a.account_id());
  return ids;
}
template <>
std::vector<std::string> Ids(const v1::PlanComplianceResponse& r) {
  std::vector<std::string> ids;
  for (const auto& a : r.accounts()) ids.push_back(a.account_id());
  return ids;
}
template <>
std::vector<std::string> Ids(const v1::SelectionCycleResponse& r) {
  std::vector<std::string> ids;
  for (const auto& a : r.accounts()) ids.push_back(a.account_id());
  return ids;
}
template <>
std::vector<std::string> Ids(const v1::EscalationsResponse& r) {
  std::vector<std::string> ids;
  for (const auto& e : r.escalations()) ids.push_back(e.escalation_id());
  return ids;
}

// ---------------------------------------------------------------- portfolio

TEST(PortfolioTest, ProgramsCountClassesCapacityAndSegments) {
  PortfolioProjection projection;
  auto rows = Build(projection);
  v1::PortfolioRequest request;
  auto response = QueryPortfolio(*rows, request, At(kQueryDay));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->position(), Events().size());
  ASSERT_EQ(response->programs_size(), 2);
  const v1::PortfolioProgram& apac = response->programs(0);
  const v1::PortfolioProgram& emea = response->programs(1);
  EXPECT_EQ(apac.program_id(), "apac");
  EXPECT_EQ(apac.active_key_accounts(), 1);
  EXPECT_EQ(apac.max_key_accounts(), 3);
  EXPECT_EQ(emea.program_id(), "emea");
  EXPECT_EQ(emea.active_key_accounts(), 2);
  EXPECT_EQ(emea.max_key_accounts(), 3);
  EXPECT_EQ(emea.criteria_version(), 2);
  EXPECT_EQ(emea.level(), v1::PROGRAM_LEVEL_NATIONAL);
  ASSERT_EQ(emea.classes_size(), 4);
  EXPECT_EQ(emea.classes(0).accounts(), 1);  // STRATEGIC: acme
  EXPECT_EQ(emea.classes(1).accounts(), 1);  // STAR: beta
  EXPECT_EQ(emea.classes(2).accounts(), 0);
  EXPECT_EQ(emea.classes(3).accounts(), 0);
  ASSERT_EQ(emea.segments_size(), 4);
  EXPECT_EQ(emea.segments(0).segment(), v1::CUSTOMER_SEGMENT_KEY);
  EXPECT_EQ(emea.segments(0).accounts(), 2);
  EXPECT_EQ(emea.segments(1).segment(), v1::CUSTOMER_SEGMENT_MAJOR);
  EXPECT_EQ(emea.segments(1).accounts(), 1);  // gamma, nominated only
  // By program, then class, then id.
  EXPECT_THAT(Ids(*response), ElementsAre("delta", "acme", "beta"));
  EXPECT_TRUE(response->next_page_token().empty());
  const v1::PortfolioAccount& acme = response->accounts(1);
  EXPECT_EQ(acme.portfolio_class(), v1::PORTFOLIO_CLASS_STRATEGIC);
  EXPECT_EQ(acme.designated_day(), kDay0);
  EXPECT_EQ(acme.criteria_version(), 2);  // re-evaluated against v2
  EXPECT_EQ(acme.designation_count(), 1);
  EXPECT_EQ(acme.segment_before_designation(), v1::CUSTOMER_SEGMENT_MAJOR);
  EXPECT_DOUBLE_EQ(acme.years_as_key_account(), kQueryDay / 365.25);
}

TEST(PortfolioTest, FiltersByProgramAndClass) {
  PortfolioProjection projection;
  auto rows = Build(projection);
  v1::PortfolioRequest request;
  request.set_program_id("emea");
  request.set_portfolio_class(v1::PORTFOLIO_CLASS_STAR);
  auto response = QueryPortfolio(*rows, request, At(kQueryDay));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(Ids(*response), ElementsAre("beta"));
  ASSERT_EQ(response->programs_size(), 1);
  EXPECT_EQ(response->programs(0).program_id(), "emea");

  // A class across programs skips the other classes' rows.
  request.clear_program_id();
  request.set_portfolio_class(v1::PORTFOLIO_CLASS_STATUS);
  response = QueryPortfolio(*rows, request, At(kQueryDay));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(Ids(*response), ElementsAre("delta"));
  request.set_portfolio_class(v1::PORTFOLIO_CLASS_STREAMLINE);
  response = QueryPortfolio(*rows, request, At(kQueryDay));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_TRUE(response->accounts().empty());
}

TEST(PortfolioTest, PagesThroughEveryAccountOnce) {
  PortfolioProjection projection;
  auto rows = Build(projection);
  v1::PortfolioRequest request;
  std::vector<std::string> seen;
  int pages = 0;
  do {
    auto response = QueryPortfolio(*rows, request, At(kQueryDay, 1));
    ASSERT_TRUE(response.ok()) << response.status();
    ASSERT_LE(response->accounts_size(), 1);
    for (const std::string& id : Ids(*response)) seen.push_back(id);
    request.set_page_token(response->next_page_token());
    ASSERT_LT(++pages, 10);
  } while (!request.page_token().empty());
  EXPECT_THAT(seen, ElementsAre("delta", "acme", "beta"));
  EXPECT_EQ(pages, 3);  // the last page knows it is the last
}

TEST(PortfolioTest, RejectsBadFiltersAndForeignTokens) {
  PortfolioProjection projection;
  auto rows = Build(projection);
  v1::PortfolioRequest request;
  request.set_portfolio_class(static_cast<v1::PortfolioClass>(42));
  auto response = QueryPortfolio(*rows, request, At(kQueryDay));
  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(response.status()), "portfolio_class");

  request.Clear();
  request.set_program_id("not valid!");
  response = QueryPortfolio(*rows, request, At(kQueryDay));
  EXPECT_EQ(FieldOf(response.status()), "program_id");

  // A token of the apac page is not one of emea's.
  request.Clear();
  request.set_program_id("apac");
  response = QueryPortfolio(*rows, request, At(kQueryDay, 1));
  ASSERT_TRUE(response.ok());
  request.set_program_id("emea");
  request.set_page_token(EncodePageToken("a/apac"));
  response = QueryPortfolio(*rows, request, At(kQueryDay));
  EXPECT_EQ(FieldOf(response.status()), "page_token");
  request.set_page_token("%%%");
  response = QueryPortfolio(*rows, request, At(kQueryDay));
  EXPECT_EQ(FieldOf(response.status()), "page_token");

  request.Clear();
  request.set_program_id("nowhere");
  response = QueryPortfolio(*rows, request, At(kQueryDay));
  EXPECT_EQ(response.status().code(), absl::StatusCode::kNotFound);
}

// ----------------------------------------------------------------- coverage

TEST(CoverageTest, ShowsStaffingAndGaps) {
  CoverageProjection projection;
  auto rows = Build(projection);
  v1::CoverageRequest request;
  request.set_program_id("emea");
  auto response = QueryCoverage(*rows, request, At(kQueryDay));
  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->programs_size(), 1);
  const v1::CoverageSummary& summary = response->programs(0);
  EXPECT_EQ(summary.key_accounts(), 2);
  EXPECT_EQ(summary.without_manager(), 0);
  EXPECT_EQ(summary.without_sponsor(), 1);  // beta
  EXPECT_EQ(summary.without_plan(), 0);
  EXPECT_EQ(summary.single_person(), 1);  // beta: kam2 alone
  EXPECT_EQ(summary.with_any_gap(), 1);
  ASSERT_THAT(Ids(*response), ElementsAre("acme", "beta"));
  const v1::CoverageAccount& acme = response->accounts(0);
  EXPECT_EQ(acme.manager_id(), "kam1");
  EXPECT_EQ(acme.manager_mode(), v1::MANAGER_MODE_PART_TIME);
  EXPECT_EQ(acme.manager_scope(), v1::MANAGER_SCOPE_LOCAL);
  EXPECT_EQ(acme.sponsor_id(), "spons");
  ASSERT_EQ(acme.team_size(), 1);
  EXPECT_EQ(acme.team(0).member_id(), "tm");
  EXPECT_EQ(acme.team(0).unit_id(), "tax");
  EXPECT_EQ(acme.team_units(), 1);
  EXPECT_FALSE(acme.single_person_relationship());
  EXPECT_TRUE(acme.gaps().empty());
  const v1::CoverageAccount& beta = response->accounts(1);
  EXPECT_TRUE(beta.single_person_relationship());
  ASSERT_EQ(beta.gaps_size(), 1);
  EXPECT_EQ(beta.gaps(0).missing(), v1::COVERAGE_MISSING_SPONSOR);
  EXPECT_EQ(beta.gaps(0).since_day(), kDay0);
  EXPECT_EQ(beta.gaps(0).days_open(), kQueryDay);
  EXPECT_TRUE(beta.gaps(0).beyond_grace());  // 30 days by default
  // Day 20: within the grace period.
  response = QueryCoverage(*rows, request, At(20));
  ASSERT_TRUE(response.ok());
  EXPECT_FALSE(response->accounts(1).gaps(0).beyond_grace());
}

TEST(CoverageTest, GapsOnlyAndByManager) {
  CoverageProjection projection;
  auto rows = Build(projection);
  v1::CoverageRequest request;
  request.set_gaps_only(true);
  auto response = QueryCoverage(*rows, request, At(kQueryDay));
  ASSERT_TRUE(response.ok()) << response.status();
  // delta (apac): no manager, no plan; beta: no sponsor.
  ASSERT_THAT(Ids(*response), ElementsAre("delta", "beta"));
  std::vector<v1::CoverageMissing> delta_gaps;
  for (const auto& gap : response->accounts(0).gaps()) {
    delta_gaps.push_back(gap.missing());
  }
  EXPECT_THAT(delta_gaps,
              ::testing::UnorderedElementsAre(v1::COVERAGE_MISSING_MANAGER,
                                              v1::COVERAGE_MISSING_PLAN));

  request.Clear();
  request.set_manager_id("kam1");
  response = QueryCoverage(*rows, request, At(kQueryDay));
  ASSERT_TRUE(response.ok());
  EXPECT_THAT(Ids(*response), ElementsAre("acme"));
  request.set_gaps_only(true);
  response = QueryCoverage(*rows, request, At(kQueryDay));
  ASSERT_TRUE(response.ok());
  EXPECT_TRUE(response->accounts().empty());
}

// ------------------------------------------------------------ sponsor load

TEST(SponsorLoadTest, AccountsPerSponsorAgainstTheLimit) {
  SponsorLoadProjection projection;
  auto rows = Build(projection);
  v1::SponsorLoadRequest request;
  auto response = QuerySponsorLoad(*rows, request, At(kQueryDay));
  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->sponsors_size(), 2);
  const v1::SponsorLoad& spons = response->sponsors(0);
  EXPECT_EQ(spons.sponsor_id(), "spons");
  EXPECT_TRUE(spons.active_sponsor());
  EXPECT_EQ(spons.unit_id(), "board");
  EXPECT_EQ(spons.account_count(), 2);
  EXPECT_EQ(spons.limit(), 3);
  EXPECT_FALSE(spons.over_limit());
  EXPECT_EQ(spons.days_since_last_engagement(), kQueryDay - 10);
  ASSERT_EQ(spons.accounts_size(), 2);
  const v1::SponsoredAccount& acme = spons.accounts(0);
  EXPECT_EQ(acme.account_id(), "acme");
  EXPECT_EQ(acme.program_id(), "emea");
  EXPECT_EQ(acme.last_engagement_day(), kDay0 + 10);
  EXPECT_THAT(acme.steps_completed(),
              ElementsAre(v1::ENGAGEMENT_KIND_STRATEGY_REVIEWED));
  EXPECT_EQ(acme.days_since_engagement(), kQueryDay - 10);
  EXPECT_FALSE(acme.engagement_overdue());
  const v1::SponsoredAccount& delta = spons.accounts(1);
  EXPECT_EQ(delta.account_id(), "delta");
  EXPECT_EQ(delta.last_engagement_day(), 0);
  EXPECT_EQ(delta.days_since_engagement(), kQueryDay);
  const v1::SponsorLoad& spons2 = response->sponsors(1);
  EXPECT_EQ(spons2.sponsor_id(), "spons2");
  EXPECT_EQ(spons2.account_count(), 0);
  EXPECT_EQ(spons2.limit(), 3);
  EXPECT_EQ(spons2.days_since_last_engagement(), -1);
  // A year later delta's sponsor has been silent too long.
  response = QuerySponsorLoad(*rows, request, At(400));
  ASSERT_TRUE(response.ok());
  EXPECT_TRUE(response->sponsors(0).accounts(1).engagement_overdue());
}

TEST(SponsorLoadTest, PagesBySponsor) {
  SponsorLoadProjection projection;
  auto rows = Build(projection);
  v1::SponsorLoadRequest request;
  auto first = QuerySponsorLoad(*rows, request, At(kQueryDay, 1));
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->sponsors_size(), 1);
  EXPECT_EQ(first->sponsors(0).sponsor_id(), "spons");
  EXPECT_EQ(first->sponsors(0).accounts_size(), 2);  // never split
  ASSERT_FALSE(first->next_page_token().empty());
  request.set_page_token(first->next_page_token());
  auto second = QuerySponsorLoad(*rows, request, At(kQueryDay, 1));
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(second->sponsors_size(), 1);
  EXPECT_EQ(second->sponsors(0).sponsor_id(), "spons2");
  EXPECT_TRUE(second->next_page_token().empty());

  request.Clear();
  request.set_sponsor_id("spons2");
  auto one = QuerySponsorLoad(*rows, request, At(kQueryDay));
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->sponsors_size(), 1);
  EXPECT_EQ(one->sponsors(0).sponsor_id(), "spons2");
  request.Clear();
  request.set_over_limit_only(true);
  auto over = QuerySponsorLoad(*rows, request, At(kQueryDay));
  ASSERT_TRUE(over.ok());
  EXPECT_TRUE(over->sponsors().empty());
}

// ---------------------------------------------------------- plan compliance

TEST(PlanComplianceTest, RequiredPresentApprovedAndDue) {
  PlanComplianceProjection projection;
  auto rows = Build(projection);
  v1::PlanComplianceRequest request;
  auto response = QueryPlanCompliance(*rows, request, At(kQueryDay));
  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->programs_size(), 2);
  const v1::PlanComplianceSummary& apac = response->programs(0);
  EXPECT_EQ(apac.key_accounts(), 1);
  EXPECT_EQ(apac.plan_required(), 0);  // STATUS: selective
  EXPECT_EQ(apac.plan_present(), 0);
  EXPECT_EQ(apac.plan_missing(), 0);
  const v1::PlanComplianceSummary& emea = response->programs(1);
  EXPECT_EQ(emea.key_accounts(), 2);
  EXPECT_EQ(emea.plan_required(), 2);
  EXPECT_EQ(emea.plan_present(), 2);
  EXPECT_EQ(emea.plan_approved(), 1);
  EXPECT_EQ(emea.plan_missing(), 0);
  EXPECT_EQ(emea.reviews_overdue(), 1);  // beta, due day 90
  ASSERT_THAT(Ids(*response), ElementsAre("delta", "acme", "beta"));
  const v1::PlanComplianceAccount& delta = response->accounts(0);
  EXPECT_FALSE(delta.plan_required());
  EXPECT_FALSE(delta.plan_present());
  const v1::PlanComplianceAccount& acme = response->accounts(1);
  EXPECT_TRUE(acme.plan_required());
  EXPECT_TRUE(acme.plan_present());
  EXPECT_TRUE(acme.plan_approved());
  EXPECT_EQ(acme.plan_status(), v1::PLAN_STATUS_APPROVED);
  EXPECT_EQ(acme.plan_version(), 1);
  EXPECT_EQ(acme.next_review_due_day(), kDay0 + 110);
  EXPECT_FALSE(acme.review_overdue());
  EXPECT_EQ(acme.initiative_count(), 2);
  EXPECT_TRUE(acme.customer_participated());
  EXPECT_EQ(acme.last_review_outcome(), v1::PLAN_REVIEW_OUTCOME_APPROVED);
  EXPECT_EQ(acme.last_reviewed_day(), kDay0 + 20);
  const v1::PlanComplianceAccount& beta = response->accounts(2);
  EXPECT_TRUE(beta.plan_present());
  EXPECT_FALSE(beta.plan_approved());
  EXPECT_EQ(beta.next_review_due_day(), kDay0 + 90);
  EXPECT_TRUE(beta.review_overdue());
  EXPECT_EQ(beta.days_overdue(), kQueryDay - 90);
}

TEST(PlanComplianceTest, OverdueOnlyIsARangeUpToToday) {
  PlanComplianceProjection projection;
  auto rows = Build(projection);
  v1::PlanComplianceRequest request;
  request.set_overdue_only(true);
  auto response = QueryPlanCompliance(*rows, request, At(kQueryDay));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(Ids(*response), ElementsAre("beta"));
  // Day 90 is beta's due day itself: not overdue yet. Day 111: both.
  response = QueryPlanCompliance(*rows, request, At(90));
  ASSERT_TRUE(response.ok());
  EXPECT_TRUE(response->accounts().empty());
  response = QueryPlanCompliance(*rows, request, At(111));
  ASSERT_TRUE(response.ok());
  EXPECT_THAT(Ids(*response), ElementsAre("beta", "acme"));  // oldest first

  request.set_missing_only(true);
  response = QueryPlanCompliance(*rows, request, At(kQueryDay));
  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);

  request.Clear();
  request.set_missing_only(true);
  response = QueryPlanCompliance(*rows, request, At(kQueryDay));
  ASSERT_TRUE(response.ok());
  EXPECT_TRUE(response->accounts().empty());  // delta's plan is optional
}

// -------------------------------------------------------------- escalations

TEST(EscalationsTest, OpenByLevelWithAgesAndTimeouts) {
  EscalationsProjection projection;
  auto rows = Build(projection);
  v1::EscalationsRequest request;
  auto response = QueryEscalations(*rows, request, At(kQueryDay));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(Ids(*response), ElementsAre("e1", "e2"));  // e3 withdrawn
  ASSERT_EQ(response->by_level_size(), 4);
  EXPECT_EQ(response->by_level(0).open(), 1);
  EXPECT_EQ(response->by_level(1).open(), 1);
  EXPECT_EQ(response->by_level(2).open(), 0);
  ASSERT_EQ(response->by_category_size(), 12);
  EXPECT_EQ(response->by_category(3).category(),
            v1::ESCALATION_CATEGORY_KNOWLEDGE_PROTECTIONISM);
  EXPECT_EQ(response->by_category(3).open(), 2);
  const v1::OpenEscalation& e1 = response->escalations(0);
  EXPECT_EQ(e1.account_id(), "acme");
  EXPECT_EQ(e1.program_id(), "emea");
  EXPECT_EQ(e1.level(), v1::ESCALATION_LEVEL_KEY_ACCOUNT_MANAGER);
  EXPECT_EQ(e1.raised_day(), kDay0 + 2);
  EXPECT_EQ(e1.age_days(), kQueryDay - 2);
  EXPECT_EQ(e1.timeout_due_day(), kDay0 + 2 + 14);
  EXPECT_TRUE(e1.overdue());
  EXPECT_THAT(e1.units_involved(), ElementsAre("tax", "audit"));

  request.set_level(v1::ESCALATION_LEVEL_UNIT_HEAD);
  response = QueryEscalations(*rows, request, At(kQueryDay));
  ASSERT_TRUE(response.ok());
  EXPECT_THAT(Ids(*response), ElementsAre("e2"));
  // Day 10: e2 (UNIT_HEAD since day 3) is not due until day 17.
  request.clear_level();
  request.set_overdue_only(true);
  response = QueryEscalations(*rows, request, At(10));
  ASSERT_TRUE(response.ok());
  EXPECT_TRUE(response->escalations().empty());
  response = QueryEscalations(*rows, request, At(17));
  ASSERT_TRUE(response.ok());
  EXPECT_THAT(Ids(*response), ElementsAre("e1"));
  request.set_program_id("emea");
  response = QueryEscalations(*rows, request, At(18));
  ASSERT_TRUE(response.ok());
  EXPECT_THAT(Ids(*response), ElementsAre("e1", "e2"));

  request.Clear();
  request.set_category(v1::ESCALATION_CATEGORY_RESOURCING);
  response = QueryEscalations(*rows, request, At(kQueryDay));
  ASSERT_TRUE(response.ok());
  EXPECT_TRUE(response->escalations().empty());
  request.set_category(v1::ESCALATION_CATEGORY_KNOWLEDGE_PROTECTIONISM);
  request.set_program_id("apac");
  response = QueryEscalations(*rows, request, At(kQueryDay));
  ASSERT_TRUE(response.ok());
  EXPECT_TRUE(response->escalations().empty());
  EXPECT_EQ(response->by_level(0).open(), 0);
}

TEST(EscalationsTest, RecurrencePerAccountAndUnitPair) {
  EscalationsProjection projection;
  auto rows = Build(projection);
  v1::EscalationsRequest request;
  request.set_view(v1::ESCALATIONS_VIEW_RECURRENCE_BY_ACCOUNT);
  auto response = QueryEscalations(*rows, request, At(kQueryDay));
  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->recurrences_size(), 1);  // beta had only one
  EXPECT_EQ(response->recurrences(0).account_id(), "acme");
  EXPECT_EQ(response->recurrences(0).count(), 2);
  request.set_min_count(1);
  response = QueryEscalations(*rows, request, At(kQueryDay));
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->recurrences_size(), 2);

  request.Clear();
  request.set_view(v1::ESCALATIONS_VIEW_RECURRENCE_BY_UNIT_PAIR);
  response = QueryEscalations(*rows, request, At(kQueryDay));
  ASSERT_TRUE(response.ok());
  ASSERT_EQ(response->recurrences_size(), 1);
  EXPECT_EQ(response->recurrences(0).unit_a(), "audit");
  EXPECT_EQ(response->recurrences(0).unit_b(), "tax");
  EXPECT_EQ(response->recurrences(0).count(), 3);

  request.set_level(v1::ESCALATION_LEVEL_UNIT_HEAD);
  response = QueryEscalations(*rows, request, At(kQueryDay));
  EXPECT_EQ(FieldOf(response.status()), "level");
}

// ---------------------------------------------------------- selection cycle

TEST(SelectionCycleTest, PendingAndSuperseded) {
  SelectionCycleProjection projection;
  auto rows = Build(projection);
  v1::SelectionCycleRequest request;
  auto response = QuerySelectionCycle(*rows, request, At(kQueryDay));
  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->programs_size(), 2);
  const v1::ProgramCycle& apac = response->programs(0);
  EXPECT_TRUE(apac.open_cycle_id().empty());
  EXPECT_EQ(apac.key_accounts(), 1);
  EXPECT_EQ(apac.pending(), 0);
  EXPECT_EQ(apac.superseded(), 0);
  EXPECT_EQ(apac.current_criteria_version(), 1);
  const v1::ProgramCycle& emea = response->programs(1);
  EXPECT_EQ(emea.open_cycle_id(), "c1");
  EXPECT_EQ(emea.opened_day(), kDay0 + 5);
  EXPECT_EQ(emea.due_day(), kDay0 + 60);
  EXPECT_EQ(emea.days_to_due(), 60 - kQueryDay);
  EXPECT_EQ(emea.current_criteria_version(), 2);
  EXPECT_EQ(emea.key_accounts(), 2);
  EXPECT_EQ(emea.reevaluated(), 1);
  EXPECT_EQ(emea.pending(), 1);
  EXPECT_EQ(emea.superseded(), 1);
  // Pending: beta (acme was re-evaluated in c1; apac has no open cycle).
  EXPECT_THAT(Ids(*response), ElementsAre("beta"));
  EXPECT_EQ(response->accounts(0).criteria_version(), 1);

  request.set_view(v1::SELECTION_CYCLE_VIEW_SUPERSEDED);
  response = QuerySelectionCycle(*rows, request, At(kQueryDay));
  ASSERT_TRUE(response.ok());
  EXPECT_THAT(Ids(*response), ElementsAre("beta"));
  request.set_program_id("apac");
  response = QuerySelectionCycle(*rows, request, At(kQueryDay));
  ASSERT_TRUE(response.ok());
  EXPECT_TRUE(response->accounts().empty());
}

// -------------------------------------------------------------- batching

// The engine applies many events per batch and flushes once: the rows
// must be the same as flushing after every event.
TEST(ReadModelsTest, OneBatchGivesTheSameRowsAsOneEventPerBatch) {
  std::vector<std::unique_ptr<Projection>> singles;
  singles.push_back(std::make_unique<PortfolioProjection>());
  singles.push_back(std::make_unique<CoverageProjection>());
  singles.push_back(std::make_unique<SponsorLoadProjection>());
  singles.push_back(std::make_unique<PlanComplianceProjection>());
  singles.push_back(std::make_unique<EscalationsProjection>());
  singles.push_back(std::make_unique<SelectionCycleProjection>());
  singles.push_back(std::make_unique<HistoryProjection>(/*snapshot_every=*/3));
  std::vector<std::unique_ptr<Projection>> batched;
  batched.push_back(std::make_unique<PortfolioProjection>());
  batched.push_back(std::make_unique<CoverageProjection>());
  batched.push_back(std::make_unique<SponsorLoadProjection>());
  batched.push_back(std::make_unique<PlanComplianceProjection>());
  batched.push_back(std::make_unique<EscalationsProjection>());
  batched.push_back(std::make_unique<SelectionCycleProjection>());
  batched.push_back(std::make_unique<HistoryProjection>(/*snapshot_every=*/3));
  for (size_t i = 0; i < singles.size(); ++i) {
    auto one_by_one = Build(*singles[i]);
    MemoryRows rows;
    for (const eventstore::RecordedEvent& event : Events()) {
      ASSERT_TRUE(batched[i]->Apply(event, rows).ok());
    }
    ASSERT_TRUE(batched[i]->Flush(rows).ok());
    EXPECT_EQ(rows.rows(), one_by_one->rows()) << singles[i]->name();
  }
}

// A failed batch forgets what it cached: applying again after ResetBatch
// gives the same rows. (Both keep states cached across batches.)
template <typename P>
void ExpectResetBatchForgetsTheFailedBatch(P reference, P projection) {
  auto expected = Build(reference);
  MemoryRows rows;
  const auto& events = Events();
  const size_t half = events.size() / 2;
  for (size_t i = 0; i < half; ++i) {
    ASSERT_TRUE(projection.Apply(events[i], rows).ok());
  }
  ASSERT_TRUE(projection.Flush(rows).ok());
  // A batch that is applied, then abandoned (its writes never commit:
  // here, they went to a scratch copy).
  MemoryRows scratch = rows;
  for (size_t i = half; i < events.size(); ++i) {
    ASSERT_TRUE(projection.Apply(events[i], scratch).ok());
  }
  projection.ResetBatch();
  for (size_t i = half; i < events.size(); ++i) {
    ASSERT_TRUE(projection.Apply(events[i], rows).ok());
  }
  ASSERT_TRUE(projection.Flush(rows).ok());
  EXPECT_EQ(rows.rows(), expected->rows()) << projection.name();
}

TEST(ReadModelsTest, ResetBatchForgetsTheFailedBatch) {
  ExpectResetBatchForgetsTheFailedBatch(CoverageProjection(),
                                        CoverageProjection());
  ExpectResetBatchForgetsTheFailedBatch(HistoryProjection(3),
                                        HistoryProjection(3));
}

}  // namespace
}  // namespace kamgov::projections
