// kamgov's read-model commands: the dashboards of QueryService as tables
// (or --output=json), and `projections status|rebuild NAME`.

#include <algorithm>
#include <cctype>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cmd/kamgov/client.h"
#include "cmd/kamgov/commands.h"
#include "domain/days.h"
#include "kamgov/v1/admin.grpc.pb.h"
#include "kamgov/v1/query.grpc.pb.h"
#include "services/identity.h"

// Shared with other commands: exec.cc (sponsor, level,
// category), audit.cc (program).
ABSL_DECLARE_FLAG(std::string, sponsor);
ABSL_DECLARE_FLAG(std::string, level);
ABSL_DECLARE_FLAG(std::string, category);
ABSL_DECLARE_FLAG(std::string, program);

ABSL_FLAG(std::string, class, "",
          "portfolio/plans: a portfolio class (STRATEGIC, STAR, STATUS, "
          "STREAMLINE).");
ABSL_FLAG(std::string, manager, "", "coverage: accounts of this manager.");
ABSL_FLAG(bool, gaps, false, "coverage: only accounts with a gap.");
ABSL_FLAG(bool, overdue, false,
          "plans/escalations: only overdue reviews / escalations past their "
          "time-out.");
ABSL_FLAG(bool, missing, false,
          "plans: only accounts that need a plan and have none.");
ABSL_FLAG(bool, over_limit, false, "sponsor-load: only sponsors over limit.");
ABSL_FLAG(std::string, recurrence, "",
          "escalations: 'account' or 'units' to count recurrences instead.");
ABSL_FLAG(bool, superseded, false,
          "selection-cycle: accounts scored against an older criteria "
          "version (default: not yet re-evaluated this cycle).");
ABSL_FLAG(uint64_t, min_position, 0,
          "Read your writes: wait until the read model reflects this "
          "position (a command's commit_position).");
ABSL_FLAG(uint32_t, page_size, 0, "Rows per page (the server's default: 0).");
ABSL_FLAG(std::string, page_token, "",
          "Continue after a previous page (its next_page_token).");

namespace kamgov::cli {
namespace {

using kamgov::v1::QueryService;

// An enum value by its name, with or without the type's prefix, any case
// ("star", "PORTFOLIO_CLASS_STAR"); 0 for "". False when unknown.
bool ParseEnum(const google::protobuf::EnumDescriptor* type,
               absl::string_view prefix, const std::string& text, int* out,
               const char* flag) {
  *out = 0;
  if (text.empty()) return true;
  std::string name = absl::AsciiStrToUpper(text);
  if (!absl::StartsWith(name, prefix)) name = absl::StrCat(prefix, name);
  const google::protobuf::EnumValueDescriptor* value =
      type->FindValueByName(name);
  if (value == nullptr || value->number() == 0) {
    std::cerr << "--" << flag << ": unknown value '" << text << "'\n";
    return false;
  }
  *out = value->number();
  return true;
}

// Strips an enum's type prefix for tables: "PORTFOLIO_CLASS_STAR" -> "STAR".
template <typename E>
std::string Short(const std::string& (*name)(E), E value,
                  absl::string_view prefix) {
  std::string text = name(value);
  if (absl::StartsWith(text, prefix)) text = text.substr(prefix.size());
  return text;
}

std::string Day(int64_t day) { return day == 0 ? "-" : domain::FormatDay(day); }

// Columns padded to their widest cell.
void PrintTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      absl::StrAppend(&line, row[i],
                      i + 1 < row.size()
                          ? std::string(widths[i] - row[i].size() + 2, ' ')
                          : "");
    }
    std::cout << line << "\n";
  }
}

// The trailer of every table: the position and how to get the next page.
void PrintFooter(uint64_t position, const std::string& next_page_token) {
  std::cout << "as of position " << position << "\n";
  if (!next_page_token.empty()) {
    std::cout << "more: --page_token=" << next_page_token << "\n";
  }
}

template <typename Request>
void SetPaging(Request& request) {
  request.set_min_position(absl::GetFlag(FLAGS_min_position));
  request.set_page_size(absl::GetFlag(FLAGS_page_size));
  request.set_page_token(absl::GetFlag(FLAGS_page_token));
}

// Calls a QueryService RPC; prints JSON, or hands the response to `table`.
template <typename Request, typename Response, typename Method, typename Table>
int Run(Method method, const Request& request, Table table) {
  auto stub = QueryService::NewStub(Connect());
  auto context = NewContext();
  Response response;
  grpc::Status status = ((*stub).*method)(context.get(), request, &response);
  if (!status.ok()) return PrintError(status);
  if (JsonOutput()) {
    std::cout << ToJson(response) << "\n";
  } else {
    table(response);
  }
  return 0;
}

bool NoArgs(const Args& args, const char* command) {
  if (args.empty()) return true;
  std::cerr << command << " takes flags only, not '" << args[0] << "'\n";
  return false;
}

}  // namespace

int Portfolio(const Args& args) {
  if (!NoArgs(args, "portfolio")) return 2;
  v1::PortfolioRequest request;
  request.set_program_id(absl::GetFlag(FLAGS_program));
  int cls = 0;
  if (!ParseEnum(v1::PortfolioClass_descriptor(), "PORTFOLIO_CLASS_",
                 absl::GetFlag(FLAGS_class), &cls, "class")) {
    return 2;
  }
  request.set_portfolio_class(static_cast<v1::PortfolioClass>(cls));
  SetPaging(request);
  return Run<v1::PortfolioRequest, v1::PortfolioResponse>(
      &QueryService::Stub::Portfolio, request,
      [](const v1::PortfolioResponse& r) {
        std::vector<std::vector<std::string>> programs = {
            {"PROGRAM", "KEY ACCOUNTS", "CAPACITY", "STRATEGIC", "STAR",
             "STATUS", "STREAMLINE", "BASE: KEY/MAJOR/MIDDLE/SMALL"}};
        for (const auto& p : r.programs()) {
          std::vector<std::string> row = {p.program_id(),
                                          absl::StrCat(p.active_key_accounts()),
                                          absl::StrCat(p.max_key_accounts())};
          for (const auto& c : p.classes()) {
            row.push_back(absl::StrCat(c.accounts()));
          }
          std::vector<std::string> base;
          for (const auto& s : p.segments()) {
            base.push_back(absl::StrCat(s.accounts()));
          }
          row.push_back(absl::StrJoin(base, "/"));
          programs.push_back(std::move(row));
        }
        PrintTable(programs);
        std::cout << "\n";
        std::vector<std::vector<std::string>> accounts = {
            {"ACCOUNT", "PROGRAM", "CLASS", "SCORE", "CRITERIA", "DESIGNATED",
             "YEARS"}};
        for (const auto& a : r.accounts()) {
          accounts.push_back(
              {a.account_id(), a.program_id(),
               Short(v1::PortfolioClass_Name<v1::PortfolioClass>,
                     a.portfolio_class(), "PORTFOLIO_CLASS_"),
               absl::StrFormat("%.2f", a.weighted_score()),
               absl::StrCat("v", a.criteria_version()), Day(a.designated_day()),
               absl::StrFormat("%.1f", a.years_as_key_account())});
        }
        PrintTable(accounts);
        PrintFooter(r.position(), r.next_page_token());
      });
}

int Coverage(const Args& args) {
  if (!NoArgs(args, "coverage")) return 2;
  v1::CoverageRequest request;
  request.set_program_id(absl::GetFlag(FLAGS_program));
  request.set_manager_id(absl::GetFlag(FLAGS_manager));
  request.set_gaps_only(absl::GetFlag(FLAGS_gaps));
  SetPaging(request);
  return Run<v1::CoverageRequest, v1::CoverageResponse>(
      &QueryService::Stub::Coverage, request,
      [](const v1::CoverageResponse& r) {
        std::vector<std::vector<std::string>> programs = {
            {"PROGRAM", "KEY ACCOUNTS", "NO MANAGER", "NO SPONSOR", "NO PLAN",
             "SINGLE PERSON", "ANY GAP"}};
        for (const auto& p : r.programs()) {
          programs.push_back({p.program_id(), absl::StrCat(p.key_accounts()),
                              absl::StrCat(p.without_manager()),
                              absl::StrCat(p.without_sponsor()),
                              absl::StrCat(p.without_plan()),
                              absl::StrCat(p.single_person()),
                              absl::StrCat(p.with_any_gap())});
        }
        PrintTable(programs);
        std::cout << "\n";
        std::vector<std::vector<std::string>> rows = {
            {"ACCOUNT", "PROGRAM", "MANAGER", "MODE/SCOPE", "SPONSOR", "TEAM",
             "GAPS"}};
        for (const auto& a : r.accounts()) {
          std::vector<std::string> gaps;
          for (const auto& g : a.gaps()) {
            gaps.push_back(absl::StrCat(
                Short(v1::CoverageMissing_Name<v1::CoverageMissing>,
                      g.missing(), "COVERAGE_MISSING_"),
                " ", g.days_open(), "d", g.beyond_grace() ? "!" : ""));
          }
          if (a.single_person_relationship()) gaps.push_back("SINGLE_PERSON");
          rows.push_back(
              {a.account_id(), a.program_id(),
               a.manager_id().empty() ? "-" : a.manager_id(),
               a.manager_id().empty()
                   ? "-"
                   : absl::StrCat(Short(v1::ManagerMode_Name<v1::ManagerMode>,
                                        a.manager_mode(), "MANAGER_MODE_"),
                                  "/",
                                  Short(v1::ManagerScope_Name<v1::ManagerScope>,
                                        a.manager_scope(), "MANAGER_SCOPE_")),
               a.sponsor_id().empty() ? "-" : a.sponsor_id(),
               absl::StrCat(a.team_size(), " (", a.team_units(), " units)"),
               gaps.empty() ? "-" : absl::StrJoin(gaps, ", ")});
        }
        PrintTable(rows);
        PrintFooter(r.position(), r.next_page_token());
      });
}

int SponsorLoad(const Args& args) {
  if (!NoArgs(args, "sponsor-load")) return 2;
  v1::SponsorLoadRequest request;
  request.set_sponsor_id(absl::GetFlag(FLAGS_sponsor));
  request.set_over_limit_only(absl::GetFlag(FLAGS_over_limit));
  SetPaging(request);
  return Run<v1::SponsorLoadRequest, v1::SponsorLoadResponse>(
      &QueryService::Stub::SponsorLoad, request,
      [](const v1::SponsorLoadResponse& r) {
        std::vector<std::vector<std::string>> rows = {
            {"SPONSOR", "ACCOUNTS", "LIMIT", "DAYS SINCE ENGAGEMENT",
             "ACCOUNT DETAILS (days since, steps)"}};
        for (const auto& s : r.sponsors()) {
          std::vector<std::string> details;
          for (const auto& a : s.accounts()) {
            details.push_back(
                absl::StrCat(a.account_id(), " ", a.days_since_engagement(),
                             "d", a.engagement_overdue() ? "!" : "", " ",
                             a.steps_completed_size(), "/4"));
          }
          rows.push_back(
              {absl::StrCat(s.sponsor_id(), s.active_sponsor() ? "" : " (*)"),
               absl::StrCat(s.account_count(), s.over_limit() ? " OVER" : ""),
               absl::StrCat(s.limit()),
               s.days_since_last_engagement() < 0
                   ? "-"
                   : absl::StrCat(s.days_since_last_engagement()),
               details.empty() ? "-" : absl::StrJoin(details, ", ")});
        }
        PrintTable(rows);
        bool former = false;
        for (const auto& s : r.sponsors()) former |= !s.active_sponsor();
        if (former) std::cout << "(*) no longer holds the sponsor role\n";
        PrintFooter(r.position(), r.next_page_token());
      });
}

int Plans(const Args& args) {
  if (!NoArgs(args, "plans")) return 2;
  v1::PlanComplianceRequest request;
  request.set_program_id(absl::GetFlag(FLAGS_program));
  int cls = 0;
  if (!ParseEnum(v1::PortfolioClass_descriptor(), "PORTFOLIO_CLASS_",
                 absl::GetFlag(FLAGS_class), &cls, "class")) {
    return 2;
  }
  request.set_portfolio_class(static_cast<v1::PortfolioClass>(cls));
  request.set_overdue_only(absl::GetFlag(FLAGS_overdue));
  request.set_missing_only(absl::GetFlag(FLAGS_missing));
  SetPaging(request);
  return Run<v1::PlanComplianceRequest, v1::PlanComplianceResponse>(
      &QueryService::Stub::PlanCompliance, request,
      [](const v1::PlanComplianceResponse& r) {
        std::vector<std::vector<std::string>> programs = {
            {"PROGRAM", "KEY ACCOUNTS", "REQUIRED", "PRESENT", "APPROVED",
             "MISSING", "OVERDUE"}};
        for (const auto& p : r.programs()) {
          programs.push_back(
              {p.program_id(), absl::StrCat(p.key_accounts()),
               absl::StrCat(p.plan_required()), absl::StrCat(p.plan_present()),
               absl::StrCat(p.plan_approved()), absl::StrCat(p.plan_missing()),
               absl::StrCat(p.reviews_overdue())});
        }
        PrintTable(programs);
        std::cout << "\n";
        std::vector<std::vector<std::string>> rows = {
            {"ACCOUNT", "PROGRAM", "CLASS", "REQUIRED", "PLAN", "NEXT REVIEW",
             "OVERDUE", "INITIATIVES", "CUSTOMER"}};
        for (const auto& a : r.accounts()) {
          rows.push_back(
              {a.account_id(), a.program_id(),
               Short(v1::PortfolioClass_Name<v1::PortfolioClass>,
                     a.portfolio_class(), "PORTFOLIO_CLASS_"),
               a.plan_required() ? "yes" : "no",
               a.plan_version() == 0
                   ? "-"
                   : absl::StrCat("v", a.plan_version(), " ",
                                  Short(v1::PlanStatus_Name<v1::PlanStatus>,
                                        a.plan_status(), "PLAN_STATUS_")),
               Day(a.next_review_due_day()),
               a.review_overdue() ? absl::StrCat(a.days_overdue(), "d") : "-",
               absl::StrCat(a.initiative_count()),
               a.customer_participated() ? "yes" : "no"});
        }
        PrintTable(rows);
        PrintFooter(r.position(), r.next_page_token());
      });
}

int Escalations(const Args& args) {
  if (!NoArgs(args, "escalations")) return 2;
  v1::EscalationsRequest request;
  request.set_program_id(absl::GetFlag(FLAGS_program));
  int level = 0;
  int category = 0;
  if (!ParseEnum(v1::EscalationLevel_descriptor(), "ESCALATION_LEVEL_",
                 absl::GetFlag(FLAGS_level), &level, "level") ||
      !ParseEnum(v1::EscalationCategory_descriptor(), "ESCALATION_CATEGORY_",
                 absl::GetFlag(FLAGS_category), &category, "category")) {
    return 2;
  }
  request.set_level(static_cast<v1::EscalationLevel>(level));
  request.set_category(static_cast<v1::EscalationCategory>(category));
  request.set_overdue_only(absl::GetFlag(FLAGS_overdue));
  const std::string recurrence = absl::GetFlag(FLAGS_recurrence);
  if (recurrence == "account") {
    request.set_view(v1::ESCALATIONS_VIEW_RECURRENCE_BY_ACCOUNT);
  } else if (recurrence == "units") {
    request.set_view(v1::ESCALATIONS_VIEW_RECURRENCE_BY_UNIT_PAIR);
  } else if (!recurrence.empty()) {
    std::cerr << "--recurrence must be account or units\n";
    return 2;
  }
  SetPaging(request);
  return Run<v1::EscalationsRequest, v1::EscalationsResponse>(
      &QueryService::Stub::Escalations, request,
      [](const v1::EscalationsResponse& r) {
        if (r.recurrences_size() > 0 || r.escalations_size() == 0) {
          std::vector<std::vector<std::string>> rows = {{"SUBJECT", "COUNT"}};
          for (const auto& e : r.recurrences()) {
            rows.push_back({e.account_id().empty()
                                ? absl::StrCat(e.unit_a(), " + ", e.unit_b())
                                : e.account_id(),
                            absl::StrCat(e.count())});
          }
          if (r.recurrences_size() > 0) PrintTable(rows);
        }
        if (r.by_level_size() > 0) {
          std::vector<std::string> levels;
          for (const auto& l : r.by_level()) {
            levels.push_back(absl::StrCat(
                Short(v1::EscalationLevel_Name<v1::EscalationLevel>, l.level(),
                      "ESCALATION_LEVEL_"),
                " ", l.open()));
          }
          std::cout << "open: " << absl::StrJoin(levels, ", ") << "\n\n";
          std::vector<std::vector<std::string>> rows = {
              {"ESCALATION", "ACCOUNT", "LEVEL", "CATEGORY", "AGE", "AT LEVEL",
               "TIME-OUT", "TIMEOUTS"}};
          for (const auto& e : r.escalations()) {
            rows.push_back(
                {e.escalation_id(), e.account_id(),
                 Short(v1::EscalationLevel_Name<v1::EscalationLevel>, e.level(),
                       "ESCALATION_LEVEL_"),
                 Short(v1::EscalationCategory_Name<v1::EscalationCategory>,
                       e.category(), "ESCALATION_CATEGORY_"),
                 absl::StrCat(e.age_days(), "d"),
                 absl::StrCat(e.days_at_level(), "d"),
                 e.timeout_due_day() == 0
                     ? "-"
                     : absl::StrCat(Day(e.timeout_due_day()),
                                    e.overdue() ? " OVERDUE" : ""),
                 absl::StrCat(e.timeouts())});
          }
          PrintTable(rows);
        }
        PrintFooter(r.position(), r.next_page_token());
      });
}

int SelectionCycle(const Args& args) {
  if (!NoArgs(args, "selection-cycle")) return 2;
  v1::SelectionCycleRequest request;
  request.set_program_id(absl::GetFlag(FLAGS_program));
  request.set_view(absl::GetFlag(FLAGS_superseded)
                       ? v1::SELECTION_CYCLE_VIEW_SUPERSEDED
                       : v1::SELECTION_CYCLE_VIEW_PENDING);
  SetPaging(request);
  return Run<v1::SelectionCycleRequest, v1::SelectionCycleResponse>(
      &QueryService::Stub::SelectionCycle, request,
      [](const v1::SelectionCycleResponse& r) {
        std::vector<std::vector<std::string>> programs = {
            {"PROGRAM", "OPEN CYCLE", "DUE", "DAYS LEFT", "CRITERIA",
             "KEY ACCOUNTS", "RE-EVALUATED", "PENDING", "SUPERSEDED"}};
        for (const auto& p : r.programs()) {
          const bool open = !p.open_cycle_id().empty();
          programs.push_back(
              {p.program_id(), open ? p.open_cycle_id() : "-",
               open ? Day(p.due_day()) : "-",
               open ? absl::StrCat(p.days_to_due()) : "-",
               absl::StrCat("v", p.current_criteria_version()),
               absl::StrCat(p.key_accounts()), absl::StrCat(p.reevaluated()),
               absl::StrCat(p.pending()), absl::StrCat(p.superseded())});
        }
        PrintTable(programs);
        std::cout << "\n";
        std::vector<std::vector<std::string>> rows = {
            {"ACCOUNT", "PROGRAM", "LAST CYCLE", "CRITERIA", "SCORE", "CLASS"}};
        for (const auto& a : r.accounts()) {
          rows.push_back({a.account_id(), a.program_id(),
                          a.last_reevaluated_cycle_id().empty()
                              ? "-"
                              : a.last_reevaluated_cycle_id(),
                          absl::StrCat("v", a.criteria_version()),
                          absl::StrFormat("%.2f", a.weighted_score()),
                          Short(v1::PortfolioClass_Name<v1::PortfolioClass>,
                                a.portfolio_class(), "PORTFOLIO_CLASS_")});
        }
        PrintTable(rows);
        PrintFooter(r.position(), r.next_page_token());
      });
}

namespace {

int ProjectionsStatus() {
  v1::ProjectionStatusRequest request;
  return Run<v1::ProjectionStatusRequest, v1::ProjectionStatusResponse>(
      &QueryService::Stub::ProjectionStatus, request,
      [](const v1::ProjectionStatusResponse& r) {
        std::vector<std::vector<std::string>> rows = {
            {"PROJECTION", "VERSION", "POSITION", "BEHIND", "REBUILD"}};
        for (const auto& p : r.projections()) {
          std::string rebuild = "-";
          if (p.rebuilding()) {
            rebuild = absl::StrFormat("v%d at %d (%.0f events/s)",
                                      p.rebuild_version(), p.rebuild_position(),
                                      p.rebuild_events_per_second());
          }
          if (!p.error().empty()) rebuild = absl::StrCat("ERROR: ", p.error());
          rows.push_back({p.name(), absl::StrCat(p.version()),
                          absl::StrCat(p.position()),
                          absl::StrCat(r.head_position() > p.position()
                                           ? r.head_position() - p.position()
                                           : 0),
                          rebuild});
        }
        PrintTable(rows);
        std::cout << "head " << r.head_position() << "\n";
      });
}

// The bar on stderr, redrawn in place.
void DrawBar(const std::string& name, uint64_t done, uint64_t total,
             double rate) {
  constexpr int kWidth = 30;
  const double fraction =
      total == 0 ? 1.0 : std::min(1.0, static_cast<double>(done) / total);
  const int filled = static_cast<int>(fraction * kWidth);
  std::cerr << absl::StrFormat(
                   "\r%s [%s%s] %3.0f%% %d/%d events %.0f events/s ", name,
                   std::string(filled, '#'), std::string(kWidth - filled, '.'),
                   fraction * 100, done, total, rate)
            << std::flush;
}

int ProjectionsRebuild(const std::string& name) {
  std::shared_ptr<grpc::Channel> channel = Connect();
  auto stub = QueryService::NewStub(channel);
  v1::RebuildProjectionRequest request;
  request.set_name(name);
  v1::RebuildProjectionResponse started;
  {
    auto context = NewContext();
    grpc::Status status = v1::AdminService::NewStub(channel)->RebuildProjection(
        context.get(), request, &started);
    if (!status.ok()) return PrintError(status);
  }
  const uint64_t target = started.head_position();
  const absl::Time start = absl::Now();
  // Polls the status until the new generation serves at the head seen when
  // the rebuild started.
  while (true) {
    auto context = NewContext();
    v1::ProjectionStatusResponse status;
    grpc::Status called = stub->ProjectionStatus(
        context.get(), v1::ProjectionStatusRequest(), &status);
    if (!called.ok()) return PrintError(called);
    const v1::ProjectionStatusResponse::Projection* p = nullptr;
    for (const auto& candidate : status.projections()) {
      if (candidate.name() == name) p = &candidate;
    }
    if (p == nullptr) {
      std::cerr << "\nprojection " << name << " disappeared\n";
      return 1;
    }
    if (!p->error().empty()) {
      std::cerr << "\nrebuild failed: " << p->error() << "\n";
      return 1;
    }
    if (!p->rebuilding()) {
      const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
      DrawBar(name, target, target, seconds > 0 ? target / seconds : 0);
      std::cerr << "\n";
      if (JsonOutput())
        std::cout << ToJson(*p) << "\n";
      else
        std::cout << name << " v" << p->version() << " serving at "
                  << p->position() << "\n";
      return 0;
    }
    DrawBar(name, p->rebuild_position(),
            std::max(target, p->rebuild_position()),
            p->rebuild_events_per_second());
    absl::SleepFor(absl::Milliseconds(200));
  }
}

}  // namespace

int Projections(const Args& args) {
  if (args.size() == 1 && args[0] == "status") return ProjectionsStatus();
  if (args.size() == 2 && args[0] == "rebuild") {
    return ProjectionsRebuild(args[1]);
  }
  std::cerr << "usage: kamgov projections status | rebuild NAME\n";
  return 2;
}

}  // namespace kamgov::cli
