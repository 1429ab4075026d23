// kamgov history, as-of, chain-head, verify, export: AuditService for
// auditors (docs/audit.md).
//
//   kamgov history ACCOUNT | --escalation=E | --person=P | --program=P
//                  | --by=PERSON   [--after=POS] [--to=POS]
//   kamgov as-of ACCOUNT | --escalation=E | --person=P | --program=P
//                [--at=2025-01-06T09:30:00Z | --position=N]
//   kamgov chain-head
//   kamgov verify [--from=N] [--to=N]
//   kamgov export [--format=jsonl|csv] [--from=N] [--to=N] > dump
//
// Tables for people; --output=json prints JSON (one object per line for
// history), with protobuf's JSON mapping and the field names of the proto.

#include <cstdint>
#include <iostream>
#include <string>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "cmd/kamgov/client.h"
#include "cmd/kamgov/commands.h"
#include "google/protobuf/text_format.h"
#include "kamgov/v1/audit.grpc.pb.h"
#include "services/identity.h"

// Shared with other commands: exec.cc (account, escalation),
// tail.cc (from, default "end"), backup.cc (to).
ABSL_DECLARE_FLAG(std::string, account);
ABSL_DECLARE_FLAG(std::string, escalation);
ABSL_DECLARE_FLAG(std::string, from);
ABSL_DECLARE_FLAG(std::string, to);

ABSL_FLAG(std::string, person, "", "history/as-of: a person id.");
ABSL_FLAG(std::string, program, "",
          "history/as-of: a program id (as-of: its portfolio).");
ABSL_FLAG(std::string, by, "",
          "history: the decisions taken on behalf of this person.");
ABSL_FLAG(uint64_t, after, 0, "history: only events after this position.");
ABSL_FLAG(std::string, at, "",
          "as-of: a recorded time, RFC 3339 (2025-01-06T09:30:00Z).");
ABSL_FLAG(uint64_t, position, 0, "as-of: a log position (1..head).");
ABSL_FLAG(std::string, format, "jsonl", "export: jsonl or csv.");

namespace kamgov::cli {
namespace {

using kamgov::v1::AuditService;

std::string Time(int64_t us) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixMicros(us),
                          absl::UTCTimeZone());
}

// --from / --to as positions: empty, "start" or tail's default "end" mean
// "not given" (0).
bool PositionFlag(const std::string& value, const char* name, uint64_t* out) {
  *out = 0;
  if (value.empty() || value == "start" || value == "end") return true;
  if (absl::SimpleAtoi(value, out)) return true;
  std::cerr << "--" << name << " must be a log position\n";
  return false;
}

// The single subject of history/as-of: a positional account id or one of
// the flags. Returns false (after printing why) when none or several.
struct SubjectFlags {
  std::string account, escalation, person, program, by;
};
bool ReadSubject(const Args& args, bool allow_by, SubjectFlags* s) {
  s->account = !args.empty() ? args[0] : absl::GetFlag(FLAGS_account);
  s->escalation = absl::GetFlag(FLAGS_escalation);
  s->person = absl::GetFlag(FLAGS_person);
  s->program = absl::GetFlag(FLAGS_program);
  s->by = allow_by ? absl::GetFlag(FLAGS_by) : "";
  const int given = !s->account.empty() + !s->escalation.empty() +
                    !s->person.empty() + !s->program.empty() + !s->by.empty();
  if (given != 1) {
    std::cerr << "name exactly one of: ACCOUNT, --escalation, --person, "
                 "--program"
              << (allow_by ? ", --by" : "") << "\n";
    return false;
  }
  return true;
}

void PrintEntry(const kamgov::v1::HistoryEntry& e) {
  if (JsonOutput()) {
    std::cout << ToJson(e) << "\n";
    return;
  }
  const std::string who =
      e.acting_person().empty() ? "(system)" : e.acting_person();
  const std::string why = e.personal_erased() ? "(erased)" : e.rationale();
  std::cout << absl::StrFormat("%7d  %s  %-26s %-10s %-22s %-32s %s\n",
                               e.position(), Time(e.recorded_at_us()), e.type(),
                               who, e.principal(), absl::CHexEscape(why),
                               absl::StrJoin(e.rule().rule_ids(), ","));
}

void PrintAccountRow(const kamgov::v1::AccountState& a) {
  std::cout << absl::StrFormat(
      "%-20s %-22s %-26s %-10s %-10s %d\n", a.account_id(),
      kamgov::v1::AccountStatus_Name(a.status()),
      kamgov::v1::PortfolioClass_Name(a.portfolio_class()),
      a.manager_id().empty() ? "-" : a.manager_id(),
      a.sponsor_id().empty() ? "-" : a.sponsor_id(),
      a.open_escalation_ids_size());
}

}  // namespace

int History(const Args& args) {
  SubjectFlags s;
  if (!ReadSubject(args, /*allow_by=*/true, &s)) return 2;
  kamgov::v1::HistoryRequest request;
  if (!s.account.empty()) request.set_account_id(s.account);
  if (!s.escalation.empty()) request.set_escalation_id(s.escalation);
  if (!s.person.empty()) request.set_person_id(s.person);
  if (!s.program.empty()) request.set_program_id(s.program);
  if (!s.by.empty()) request.set_acting_person_id(s.by);
  uint64_t to = 0;
  if (!PositionFlag(absl::GetFlag(FLAGS_to), "to", &to)) return 2;
  request.set_to_position(to);
  request.set_after_position(absl::GetFlag(FLAGS_after));
  request.set_page_size(1000);

  auto stub = AuditService::NewStub(Connect());
  if (!JsonOutput()) {
    std::cout << absl::StrFormat("%7s  %-20s  %-26s %-10s %-22s %-32s %s\n",
                                 "POS", "RECORDED (UTC)", "TYPE", "BY",
                                 "PRINCIPAL", "RATIONALE", "RULES");
  }
  while (true) {
    kamgov::v1::HistoryResponse response;
    grpc::Status status = stub->History(NewContext().get(), request, &response);
    if (!status.ok()) return PrintError(status);
    for (const kamgov::v1::HistoryEntry& entry : response.entries()) {
      PrintEntry(entry);
    }
    if (!response.more()) break;
    request.set_after_position(response.next_after_position());
  }
  return 0;
}

int AsOf(const Args& args) {
  SubjectFlags s;
  if (!ReadSubject(args, /*allow_by=*/false, &s)) return 2;
  kamgov::v1::StateAsOfRequest request;
  if (!s.account.empty()) request.set_account_id(s.account);
  if (!s.escalation.empty()) request.set_escalation_id(s.escalation);
  if (!s.person.empty()) request.set_person_id(s.person);
  if (!s.program.empty()) request.set_program_id(s.program);
  const std::string at = absl::GetFlag(FLAGS_at);
  const uint64_t position = absl::GetFlag(FLAGS_position);
  if (!at.empty() && position != 0) {
    std::cerr << "give --at or --position, not both\n";
    return 2;
  }
  if (!at.empty()) {
    absl::Time time;
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, at, &time, &error)) {
      std::cerr << "--at must be RFC 3339, e.g. 2025-01-06T09:30:00Z: " << error
                << "\n";
      return 2;
    }
    request.set_recorded_at_us(absl::ToUnixMicros(time));
  } else if (position != 0) {
    request.set_position(position);
  }

  auto stub = AuditService::NewStub(Connect());
  bool first = true;
  while (true) {
    kamgov::v1::StateAsOfResponse response;
    grpc::Status status =
        stub->StateAsOf(NewContext().get(), request, &response);
    if (!status.ok()) return PrintError(status);
    if (JsonOutput()) {
      std::cout << ToJson(response) << "\n";
    } else {
      if (first) {
        std::cout << absl::StrFormat(
            "as of position %d (recorded %s), after %d events of it\n",
            response.position(), Time(response.recorded_at_us()),
            response.aggregate_events());
      }
      if (response.has_portfolio()) {
        if (first) {
          std::string text;
          google::protobuf::TextFormat::PrintToString(
              response.portfolio().program(), &text);
          std::cout << text
                    << absl::StrFormat("%-20s %-22s %-26s %-10s %-10s %s\n",
                                       "ACCOUNT", "STATUS", "CLASS", "MANAGER",
                                       "SPONSOR", "OPEN ESC.");
        }
        for (const kamgov::v1::AccountState& a :
             response.portfolio().accounts()) {
          PrintAccountRow(a);
        }
      } else {
        const google::protobuf::Message* state =
            response.has_account()
                ? static_cast<const google::protobuf::Message*>(
                      &response.account())
            : response.has_escalation()
                ? static_cast<const google::protobuf::Message*>(
                      &response.escalation())
                : static_cast<const google::protobuf::Message*>(
                      &response.person());
        std::string text;
        google::protobuf::TextFormat::PrintToString(*state, &text);
        std::cout << text;
      }
    }
    first = false;
    if (!response.has_portfolio() ||
        response.portfolio().next_page_token().empty()) {
      break;
    }
    // Later pages at the same position, so they fit the first.
    request.set_page_token(response.portfolio().next_page_token());
    request.set_position(response.position());
  }
  return 0;
}

int ChainHead(const Args&) {
  auto stub = AuditService::NewStub(Connect());
  kamgov::v1::ChainHeadResponse response;
  grpc::Status status = stub->ChainHead(NewContext().get(), {}, &response);
  if (!status.ok()) return PrintError(status);
  const std::string hash = absl::BytesToHexString(response.hash());
  if (JsonOutput()) {
    std::cout << absl::StrFormat(R"({"position": %d, "hash": "%s"})",
                                 response.position(), hash)
              << "\n";
  } else {
    std::cout << absl::StrFormat(
        "position %d\nhash     %s\npin it:  verify_chain.py --head=%d:%s\n",
        response.position(), hash, response.position(), hash);
  }
  return 0;
}

int Verify(const Args&) {
  kamgov::v1::VerifyChainRequest request;
  uint64_t from = 0;
  uint64_t to = 0;
  if (!PositionFlag(absl::GetFlag(FLAGS_from), "from", &from) ||
      !PositionFlag(absl::GetFlag(FLAGS_to), "to", &to)) {
    return 2;
  }
  request.set_from_position(from);
  request.set_to_position(to);
  auto stub = AuditService::NewStub(Connect());
  kamgov::v1::VerifyChainResponse response;
  // Verifying a long log takes a while: no --timeout deadline.
  grpc::Status status = stub->VerifyChain(NewContext(/*streaming=*/true).get(),
                                          request, &response);
  if (!status.ok()) return PrintError(status);
  if (JsonOutput()) {
    std::cout << ToJson(response) << "\n";
  } else if (response.ok()) {
    std::cout << absl::StrFormat("OK %d events\n", response.checked());
  } else {
    std::cout << absl::StrFormat("BAD position %d: %s\n",
                                 response.first_bad_position(),
                                 response.problem());
  }
  return response.ok() ? 0 : 1;
}

int Export(const Args&) {
  kamgov::v1::ExportRequest request;
  const std::string format = absl::GetFlag(FLAGS_format);
  if (format == "jsonl") {
    request.set_format(kamgov::v1::EXPORT_FORMAT_JSONL);
  } else if (format == "csv") {
    request.set_format(kamgov::v1::EXPORT_FORMAT_CSV);
  } else {
    std::cerr << "--format must be jsonl or csv\n";
    return 2;
  }
  uint64_t from = 0;
  uint64_t to = 0;
  if (!PositionFlag(absl::GetFlag(FLAGS_from), "from", &from) ||
      !PositionFlag(absl::GetFlag(FLAGS_to), "to", &to)) {
    return 2;
  }
  request.set_from_position(from);
  request.set_to_position(to);
  auto stub = AuditService::NewStub(Connect());
  auto context = NewContext(/*streaming=*/true);
  auto reader = stub->Export(context.get(), request);
  kamgov::v1::ExportChunk chunk;
  while (reader->Read(&chunk)) std::cout << chunk.data();
  std::cout.flush();
  grpc::Status status = reader->Finish();
  return status.ok() ? 0 : PrintError(status);
}

}  // namespace kamgov::cli
