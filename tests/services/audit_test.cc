// AuditService over gRPC: the audit scenario is run through a real daemon
// (GovernanceService, real RocksDB), and the service is served beside it
// over the daemon's log with a real ProjectionEngine keeping
// decision_history. Checks History paging and content, StateAsOf at every
// position against folding that prefix of the log, ChainHead, VerifyChain,
// and Export against eventstore/export.h and the offline verifier.

#include <grpcpp/create_channel.h>
#include <stdio.h>
#include <sys/wait.h>

#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "domain/event.h"
#include "domain/ids.h"
#include "domain/rules.h"
#include "eventstore/export.h"
#include "eventstore/thread_pool.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "kamgov/v1/audit.grpc.pb.h"
#include "projections/engine.h"
#include "projections/history_projection.h"
#include "services/audit_service.h"
#include "services/grpc_server.h"
#include "services/grpc_status.h"
#include "tests/projections/history_scenario.h"
#include "tests/services/governance_harness.h"
#include "tests/testing/temp_dir.h"

namespace kamgov::services {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::testing::Contains;
using ::testing::ElementsAre;
using testing::FakeClock;
using testing::GovernanceServer;
using ::testing::HasSubstr;

class AuditTest : public ::testing::Test {
 protected:
  static constexpr uint32_t kMaxPage = 50;

  void SetUp() override {
    absl::StatusOr<std::unique_ptr<GovernanceServer>> server =
        GovernanceServer::Start(dir_.path() + "/data", &clock_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    ASSERT_TRUE(server_->RunAll(::kamgov::testing::AuditScenario()).ok());
    head_ = server_->HeadPosition();

    projections::EngineOptions options;
    options.path = dir_.path() + "/rows";
    absl::StatusOr<std::unique_ptr<projections::ProjectionEngine>> engine =
        projections::ProjectionEngine::Open(
            options, &server_->log(), {[] {
              // Small spacing, so the scenario's as-of reads cross
              // snapshots.
              return std::make_unique<projections::HistoryProjection>(4);
            }});
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = *std::move(engine);
    engine_->Start();
    audit_ = std::make_unique<AuditService>(
        &server_->log(), &pool_, engine_.get(),
        ReadLimits{/*default_page_size=*/10, /*max_page_size=*/kMaxPage});
    GrpcServerOptions grpc_options;
    grpc_options.listen = "127.0.0.1:0";
    absl::StatusOr<std::unique_ptr<GrpcServer>> grpc =
        GrpcServer::Start(grpc_options, {audit_.get()});
    ASSERT_TRUE(grpc.ok()) << grpc.status();
    grpc_ = *std::move(grpc);
    stub_ = v1::AuditService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", grpc_->port()),
                            grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (grpc_ != nullptr) grpc_->Shutdown(absl::Seconds(5));
    if (engine_ != nullptr) engine_->Stop();
    pool_.Shutdown();
  }

  absl::StatusOr<v1::HistoryResponse> History(v1::HistoryRequest request) {
    grpc::ClientContext context;
    testing::PrepareContext(context, testing::kTestPrincipal);
    v1::HistoryResponse response;
    absl::Status status =
        FromGrpcStatus(stub_->History(&context, request, &response));
    if (!status.ok()) return status;
    return response;
  }

  // Every page of `request`, following next_after_position.
  std::vector<v1::HistoryEntry> AllPages(v1::HistoryRequest request,
                                         int* pages = nullptr) {
    std::vector<v1::HistoryEntry> entries;
    for (int n = 1;; ++n) {
      absl::StatusOr<v1::HistoryResponse> page = History(request);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      entries.insert(entries.end(), page->entries().begin(),
                     page->entries().end());
      if (pages != nullptr) *pages = n;
      if (!page->more()) break;
      request.set_after_position(page->next_after_position());
    }
    return entries;
  }

  absl::StatusOr<v1::StateAsOfResponse> AsOf(v1::StateAsOfRequest request) {
    grpc::ClientContext context;
    testing::PrepareContext(context, testing::kTestPrincipal);
    v1::StateAsOfResponse response;
    absl::Status status =
        FromGrpcStatus(stub_->StateAsOf(&context, request, &response));
    if (!status.ok()) return status;
    return response;
  }

  // The export text through the Export RPC, and the number of chunks.
  absl::StatusOr<std::string> ExportRpc(uint64_t from, uint64_t to,
                                        v1::ExportFormat format,
                                        int* chunks = nullptr) {
    grpc::ClientContext context;
    testing::PrepareContext(context, testing::kTestPrincipal);
    v1::ExportRequest request;
    request.set_from_position(from);
    request.set_to_position(to);
    request.set_format(format);
    auto reader = stub_->Export(&context, request);
    std::string text;
    v1::ExportChunk chunk;
    int n = 0;
    while (reader->Read(&chunk)) {
      text += chunk.data();
      ++n;
    }
    if (chunks != nullptr) *chunks = n;
    absl::Status status = FromGrpcStatus(reader->Finish());
    if (!status.ok()) return status;
    return text;
  }

  std::vector<eventstore::RecordedEvent> Events() { return server_->ReadAll(); }

  ::kamgov::testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<GovernanceServer> server_;
  uint64_t head_ = 0;
  eventstore::ThreadPool pool_{2};
  std::unique_ptr<projections::ProjectionEngine> engine_;
  std::unique_ptr<AuditService> audit_;
  std::unique_ptr<GrpcServer> grpc_;
  std::unique_ptr<v1::AuditService::Stub> stub_;
};

TEST_F(AuditTest, HistoryPagesThroughAnAccountAndItsEscalations) {
  std::vector<uint64_t> want;
  for (const eventstore::RecordedEvent& event : Events()) {
    for (const std::string& tag : event.record.tags()) {
      if (tag == "account:acme") want.push_back(event.position);
    }
  }
  v1::HistoryRequest request;
  request.set_account_id("acme");
  request.set_page_size(4);
  int pages = 0;
  std::vector<v1::HistoryEntry> entries = AllPages(request, &pages);
  std::vector<uint64_t> got;
  std::set<std::string> streams;
  for (const v1::HistoryEntry& entry : entries) {
    got.push_back(entry.position());
    streams.insert(entry.stream_id());
  }
  EXPECT_EQ(got, want);
  EXPECT_EQ(pages, static_cast<int>((want.size() + 3) / 4));
  EXPECT_THAT(streams, Contains("escalation-e1"));
  EXPECT_THAT(streams, Contains("escalation-e2"));

  // The range ends at to_position; each page states the position.
  request.set_to_position(want[5]);
  request.set_page_size(0);  // the default, 10
  absl::StatusOr<v1::HistoryResponse> clipped = History(request);
  ASSERT_TRUE(clipped.ok());
  EXPECT_EQ(clipped->entries_size(), 6);
  EXPECT_FALSE(clipped->more());
  EXPECT_EQ(clipped->position(), want[5]);
  EXPECT_EQ(clipped->next_after_position(), want[5]);
}

TEST_F(AuditTest, HistoryEntryCarriesWhoWhyAndUnderWhichRule) {
  v1::HistoryRequest request;
  request.set_account_id("acme");
  request.set_page_size(kMaxPage);
  const std::vector<v1::HistoryEntry> entries = AllPages(request);
  const std::vector<eventstore::RecordedEvent> events = Events();
  const v1::HistoryEntry* reclassified = nullptr;
  for (const v1::HistoryEntry& entry : entries) {
    const eventstore::RecordedEvent& event = events[entry.position() - 1];
    EXPECT_EQ(entry.event_id(), event.record.event_id());
    EXPECT_EQ(entry.hash(), event.hash);
    EXPECT_EQ(entry.principal(), testing::kTestPrincipal);
    EXPECT_EQ(entry.recorded_at_us(), event.record.recorded_at_us());
    EXPECT_EQ(entry.effective_at_us(), entry.recorded_at_us());
    EXPECT_EQ(entry.payload().type_url(),
              "type.googleapis.com/kamgov.v1." + entry.type());
    EXPECT_EQ(entry.payload().value(), event.record.main());
    if (entry.type() == "AccountReclassified") reclassified = &entry;
  }
  ASSERT_NE(reclassified, nullptr);
  EXPECT_EQ(reclassified->acting_person(), "boss");
  EXPECT_EQ(reclassified->rationale(), ::kamgov::testing::kReclassifyRationale);
  EXPECT_FALSE(reclassified->personal_erased());
  EXPECT_THAT(reclassified->rule().rule_ids(),
              Contains("DECIDER_NOT_SENIOR_MANAGEMENT"));
  EXPECT_THAT(reclassified->tags(), Contains("account:acme"));
  v1::AccountReclassified payload;
  ASSERT_TRUE(reclassified->payload().UnpackTo(&payload));
  EXPECT_EQ(payload.account_id(), "acme");
  EXPECT_EQ(payload.to_class(), v1::PORTFOLIO_CLASS_STAR);

  // The handover note is personal text beside the rationale.
  bool handover = false;
  for (const v1::HistoryEntry& entry : entries) {
    if (entry.type() != "KeyAccountManagerAssigned" ||
        entry.acting_person() != "dir" ||
        !entry.personal_text().contains("handover_note")) {
      continue;
    }
    handover = true;
    EXPECT_EQ(entry.personal_text().at("handover_note"),
              "introduced at the QBR");
  }
  EXPECT_TRUE(handover);
}

TEST_F(AuditTest, HistoryShowsErasedRationaleAsErased) {
  v1::HistoryRequest request;
  request.set_account_id("acme");
  request.set_page_size(kMaxPage);
  uint64_t position = 0;
  for (const v1::HistoryEntry& entry : AllPages(request)) {
    if (entry.type() == "AccountReclassified") position = entry.position();
  }
  ASSERT_GT(position, 0u);
  ASSERT_TRUE(server_->log().ErasePersonal(position).ok());
  for (const v1::HistoryEntry& entry : AllPages(request)) {
    if (entry.position() != position) continue;
    EXPECT_TRUE(entry.personal_erased());
    EXPECT_EQ(entry.rationale(), "");
    EXPECT_EQ(entry.acting_person(), "boss");  // the record is untouched
  }
}

TEST_F(AuditTest, HistoryOfAnActingPersonAndOfAPrincipal) {
  std::vector<uint64_t> by_boss;
  for (const eventstore::RecordedEvent& event : Events()) {
    if (event.record.acting_person() == "boss") {
      by_boss.push_back(event.position);
    }
  }
  v1::HistoryRequest request;
  request.set_acting_person_id("boss");
  request.set_page_size(3);
  std::vector<uint64_t> got;
  for (const v1::HistoryEntry& entry : AllPages(request)) {
    EXPECT_EQ(entry.acting_person(), "boss");
    got.push_back(entry.position());
  }
  EXPECT_EQ(got, by_boss);

  request.Clear();
  request.set_principal(testing::kTestPrincipal);
  request.set_page_size(kMaxPage);
  EXPECT_EQ(AllPages(request).size(), head_);
  request.set_principal("svc:nobody");
  EXPECT_TRUE(AllPages(request).empty());
}

TEST_F(AuditTest, HistoryRejectsBadRequests) {
  v1::HistoryRequest request;
  absl::StatusOr<v1::HistoryResponse> none = History(request);
  EXPECT_EQ(none.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(testing::BadFieldsOf(none.status()), ElementsAre("subject"));
  request.set_account_id("acme");
  request.set_page_size(kMaxPage + 1);
  EXPECT_THAT(testing::BadFieldsOf(History(request).status()),
              ElementsAre("page_size"));
  request.set_page_size(0);
  request.set_account_id("no spaces allowed");
  EXPECT_THAT(testing::BadFieldsOf(History(request).status()),
              ElementsAre("account_id"));
  // An unknown account simply has no history.
  request.set_account_id("unknown");
  absl::StatusOr<v1::HistoryResponse> empty = History(request);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->entries_size(), 0);
  EXPECT_FALSE(empty->more());
}

TEST_F(AuditTest, StateAsOfEveryPositionEqualsFoldingThePrefix) {
  for (uint64_t p = 1; p <= head_; ++p) {
    const domain::GovernanceState prefix =
        ::kamgov::testing::FoldPrefix(server_->log(), p);
    SCOPED_TRACE(absl::StrCat("position ", p));
    v1::StateAsOfRequest request;
    request.set_position(p);

    request.set_account_id("acme");
    absl::StatusOr<v1::StateAsOfResponse> acme = AsOf(request);
    if (prefix.FindAccount("acme") == nullptr) {
      EXPECT_EQ(acme.status().code(), absl::StatusCode::kNotFound);
    } else {
      ASSERT_TRUE(acme.ok()) << acme.status();
      EXPECT_EQ(acme->position(), p);
      EXPECT_TRUE(MessageDifferencer::Equals(acme->account(),
                                             *prefix.FindAccount("acme")));
    }

    request.set_escalation_id("e1");
    absl::StatusOr<v1::StateAsOfResponse> e1 = AsOf(request);
    if (prefix.FindEscalation("e1") == nullptr) {
      EXPECT_EQ(e1.status().code(), absl::StatusCode::kNotFound);
    } else {
      ASSERT_TRUE(e1.ok()) << e1.status();
      EXPECT_TRUE(MessageDifferencer::Equals(e1->escalation(),
                                             *prefix.FindEscalation("e1")));
    }

    request.set_person_id("kam2");
    absl::StatusOr<v1::StateAsOfResponse> kam2 = AsOf(request);
    if (prefix.FindPerson("kam2") == nullptr) {
      EXPECT_EQ(kam2.status().code(), absl::StatusCode::kNotFound);
    } else {
      ASSERT_TRUE(kam2.ok()) << kam2.status();
      EXPECT_TRUE(MessageDifferencer::Equals(kam2->person(),
                                             *prefix.FindPerson("kam2")));
    }

    request.set_program_id("emea");
    request.set_page_size(kMaxPage);
    absl::StatusOr<v1::StateAsOfResponse> emea = AsOf(request);
    if (prefix.FindProgram("emea") == nullptr) {
      EXPECT_EQ(emea.status().code(), absl::StatusCode::kNotFound);
      continue;
    }
    ASSERT_TRUE(emea.ok()) << emea.status();
    EXPECT_TRUE(MessageDifferencer::Equals(emea->portfolio().program(),
                                           *prefix.FindProgram("emea")));
    std::vector<std::string> want_accounts;
    for (const auto& [id, account] : prefix.accounts()) {
      if (account.program_id() == "emea") want_accounts.push_back(id);
    }
    ASSERT_EQ(emea->portfolio().accounts_size(),
              static_cast<int>(want_accounts.size()));
    for (int i = 0; i < emea->portfolio().accounts_size(); ++i) {
      EXPECT_TRUE(MessageDifferencer::Equals(
          emea->portfolio().accounts(i),
          *prefix.FindAccount(want_accounts[static_cast<size_t>(i)])));
    }
    EXPECT_EQ(emea->portfolio().next_page_token(), "");
  }
}

TEST_F(AuditTest, StateAsOfARecordedTime) {
  const std::vector<eventstore::RecordedEvent> events = Events();
  // The reclassification was recorded at its step's time; half a minute
  // later the state is the one after it (its commit's last event).
  uint64_t reclassified = 0;
  int64_t at = 0;
  for (const eventstore::RecordedEvent& event : events) {
    if (event.record.type() == "AccountReclassified") {
      reclassified = event.position;
      at = event.record.recorded_at_us();
    }
  }
  ASSERT_GT(reclassified, 0u);
  v1::StateAsOfRequest request;
  request.set_account_id("acme");
  request.set_recorded_at_us(at + 30 * 1000000);
  absl::StatusOr<v1::StateAsOfResponse> after = AsOf(request);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->position(), reclassified);
  EXPECT_EQ(after->recorded_at_us(), at);
  EXPECT_EQ(after->account().portfolio_class(), v1::PORTFOLIO_CLASS_STAR);
  request.set_recorded_at_us(at - 1);
  absl::StatusOr<v1::StateAsOfResponse> before = AsOf(request);
  ASSERT_TRUE(before.ok());
  EXPECT_LT(before->position(), reclassified);
  EXPECT_EQ(before->account().portfolio_class(), v1::PORTFOLIO_CLASS_STRATEGIC);
  // Before the first event nothing existed.
  request.set_recorded_at_us(events.front().record.recorded_at_us() - 1);
  EXPECT_EQ(AsOf(request).status().code(), absl::StatusCode::kNotFound);
  // No time or position: now.
  request.clear_recorded_at_us();
  absl::StatusOr<v1::StateAsOfResponse> now = AsOf(request);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->position(), head_);
  EXPECT_EQ(now->account().status(), v1::ACCOUNT_STATUS_DE_DESIGNATED);
}

TEST_F(AuditTest, StateAsOfRejectsBadRequests) {
  v1::StateAsOfRequest request;
  EXPECT_THAT(testing::BadFieldsOf(AsOf(request).status()),
              ElementsAre("subject"));
  request.set_account_id("acme");
  request.set_position(head_ + 1);
  EXPECT_THAT(testing::BadFieldsOf(AsOf(request).status()),
              ElementsAre("position"));
  request.set_position(0);
  EXPECT_THAT(testing::BadFieldsOf(AsOf(request).status()),
              ElementsAre("position"));
  request.set_account_id("never-nominated");
  request.set_position(head_);
  absl::StatusOr<v1::StateAsOfResponse> missing = AsOf(request);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("never-nominated"));
}

TEST_F(AuditTest, PortfolioAsOfPagesThroughAccounts) {
  v1::StateAsOfRequest request;
  request.set_program_id("emea");
  request.set_page_size(1);
  std::vector<std::string> ids;
  for (int guard = 0; guard < 10; ++guard) {
    absl::StatusOr<v1::StateAsOfResponse> page = AsOf(request);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_EQ(page->portfolio().program().program_id(), "emea");
    for (const v1::AccountState& account : page->portfolio().accounts()) {
      ids.push_back(account.account_id());
    }
    if (page->portfolio().next_page_token().empty()) break;
    request.set_page_token(page->portfolio().next_page_token());
  }
  EXPECT_THAT(ids, ElementsAre("acme", "beta"));
}

TEST_F(AuditTest, ChainHeadAndVerifyChain) {
  grpc::ClientContext head_context;
  testing::PrepareContext(head_context, testing::kTestPrincipal);
  v1::ChainHeadResponse head;
  ASSERT_TRUE(stub_->ChainHead(&head_context, {}, &head).ok());
  EXPECT_EQ(head.position(), head_);
  EXPECT_EQ(head.hash(), server_->log().GetChainHead().hash);
  EXPECT_EQ(head.hash(), Events().back().hash);

  grpc::ClientContext verify_context;
  testing::PrepareContext(verify_context, testing::kTestPrincipal);
  v1::VerifyChainResponse verified;
  ASSERT_TRUE(stub_->VerifyChain(&verify_context, {}, &verified).ok());
  EXPECT_TRUE(verified.ok());
  EXPECT_EQ(verified.checked(), head_);

  v1::VerifyChainRequest range;
  range.set_from_position(5);
  range.set_to_position(9);
  grpc::ClientContext range_context;
  testing::PrepareContext(range_context, testing::kTestPrincipal);
  ASSERT_TRUE(stub_->VerifyChain(&range_context, range, &verified).ok());
  EXPECT_TRUE(verified.ok());
  EXPECT_EQ(verified.checked(), 5u);

  range.set_to_position(4);
  grpc::ClientContext bad_context;
  testing::PrepareContext(bad_context, testing::kTestPrincipal);
  absl::Status reversed =
      FromGrpcStatus(stub_->VerifyChain(&bad_context, range, &verified));
  EXPECT_THAT(testing::BadFieldsOf(reversed), ElementsAre("to_position"));
}

// Runs cmd/verify_chain.py on `path`; exit code and output.
std::pair<int, std::string> RunVerifier(const std::string& path) {
  const std::string command =
      absl::StrCat(PYTHON3_PATH, " ", KAMGOV_SOURCE_DIR,
                   "/cmd/verify_chain.py ", path, " 2>&1");
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, ""};
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof(buffer), pipe)) > 0;) {
    output.append(buffer, n);
  }
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

TEST_F(AuditTest, ExportIsTheLibrarysFormatAndATamperedOneFailsOffline) {
  absl::StatusOr<std::string> jsonl = ExportRpc(0, 0, v1::EXPORT_FORMAT_JSONL);
  ASSERT_TRUE(jsonl.ok()) << jsonl.status();
  std::ostringstream want;
  ASSERT_TRUE(eventstore::ExportJsonl(server_->log(), 0, 0, want).ok());
  EXPECT_EQ(*jsonl, want.str());

  absl::StatusOr<std::string> csv = ExportRpc(3, 7, v1::EXPORT_FORMAT_CSV);
  ASSERT_TRUE(csv.ok()) << csv.status();
  std::ostringstream want_csv;
  ASSERT_TRUE(eventstore::ExportCsv(server_->log(), 3, 7, want_csv).ok());
  EXPECT_EQ(*csv, want_csv.str());

  // A range verifies on its own (it carries prev_hash).
  absl::StatusOr<std::string> range =
      ExportRpc(10, 20, v1::EXPORT_FORMAT_JSONL);
  ASSERT_TRUE(range.ok());
  const std::string range_path = dir_.path() + "/range.jsonl";
  std::ofstream(range_path) << *range;
  auto [range_code, range_output] = RunVerifier(range_path);
  EXPECT_EQ(range_code, 0) << range_output;
  EXPECT_THAT(range_output, HasSubstr("OK 11 events, head 20"));

  const std::string path = dir_.path() + "/export.jsonl";
  std::ofstream(path) << *jsonl;
  auto [code, output] = RunVerifier(path);
  EXPECT_EQ(code, 0) << output;

  // Flip one byte of the record at position 12.
  std::vector<std::string> lines = absl::StrSplit(*jsonl, '\n');
  std::string& line = lines[11];
  const std::string key = "\"record\": \"";
  const size_t start = line.find(key) + key.size();
  const size_t end = line.find('"', start);
  std::string record;
  ASSERT_TRUE(absl::Base64Unescape(line.substr(start, end - start), &record));
  record[record.size() / 2] ^= 0x01;
  line.replace(start, end - start, absl::Base64Escape(record));
  std::ofstream(path) << absl::StrJoin(lines, "\n");
  auto [bad_code, bad_output] = RunVerifier(path);
  EXPECT_EQ(bad_code, 1);
  EXPECT_THAT(bad_output, HasSubstr("BAD position 12"));
}

TEST_F(AuditTest, ExportStreamsALargeLogInPages) {
  // Enough events for several pages, appended straight to the log.
  for (int batch = 0; batch < 12; ++batch) {
    eventstore::AppendRequest request;
    request.principal = "svc:filler";
    eventstore::StreamAppend& stream = request.streams.emplace_back();
    stream.stream_id = absl::StrCat("filler-", batch);
    for (int i = 0; i < 100; ++i) {
      eventstore::NewEvent& event = stream.events.emplace_back();
      event.type = "FillerEvent";
      event.main = absl::StrCat("filler ", batch, ".", i);
      if (i % 2 == 0) event.personal = "a name";
    }
    ASSERT_TRUE(server_->log().AppendAndWait(std::move(request)).ok());
  }
  const uint64_t head = server_->HeadPosition();
  int chunks = 0;
  absl::StatusOr<std::string> text =
      ExportRpc(0, 0, v1::EXPORT_FORMAT_JSONL, &chunks);
  ASSERT_TRUE(text.ok()) << text.status();
  std::ostringstream want;
  ASSERT_TRUE(eventstore::ExportJsonl(server_->log(), 0, 0, want).ok());
  EXPECT_EQ(*text, want.str());
  EXPECT_EQ(
      static_cast<uint64_t>(chunks),
      (head + eventstore::kExportPageSize - 1) / eventstore::kExportPageSize);
  // An empty range past the head: nothing (JSONL) or the header (CSV).
  EXPECT_EQ(*ExportRpc(head + 1, 0, v1::EXPORT_FORMAT_JSONL), "");
  EXPECT_EQ(*ExportRpc(head + 1, 0, v1::EXPORT_FORMAT_CSV),
            eventstore::CsvExportHeader());
  absl::StatusOr<std::string> reversed =
      ExportRpc(9, 3, v1::EXPORT_FORMAT_JSONL);
  EXPECT_THAT(testing::BadFieldsOf(reversed.status()),
              ElementsAre("to_position"));
}

TEST(AuditRuleContextTest, EveryEventTypeNamesRegisteredRules) {
  for (absl::string_view type : domain::EventTypes()) {
    SCOPED_TRACE(type);
    const std::vector<std::string> rules = RuleContextFor(type, "someone");
    EXPECT_FALSE(rules.empty());
    for (const std::string& id : rules) {
      EXPECT_NE(domain::FindRule(id), nullptr) << id;
    }
  }
  EXPECT_THAT(RuleContextFor("EscalationLevelRaised", ""),
              ElementsAre("ESCALATION_TIMEOUT"));
  EXPECT_TRUE(RuleContextFor("NoSuchEvent", "someone").empty());
}

}  // namespace
}  // namespace kamgov::services
