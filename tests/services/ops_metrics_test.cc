// The /metrics endpoint of a real daemon: valid Prometheus text, counters
// that move with the commands issued, documented families.

#include <arpa/inet.h>
#include <grpcpp/create_channel.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kamgov/v1/event_stream.grpc.pb.h"
#include "proto/status_details.h"
#include "services/identity.h"
#include "tests/services/ops_util.h"
#include "tests/testing/temp_dir.h"

namespace kamgov::services::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class OpsMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DaemonOptions options = TestDaemonOptions(dir_.path());
    options.metrics_listen = "127.0.0.1:0";
    absl::StatusOr<std::unique_ptr<OpsServer>> server =
        OpsServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    ASSERT_NE(server_->daemon().metrics_port(), 0);
  }

  // One scrape, checked for the HTTP framing and the text format.
  Exposition Scrape() {
    absl::StatusOr<HttpResponse> response =
        HttpGet(server_->daemon().metrics_port(), "/metrics");
    EXPECT_TRUE(response.ok()) << response.status();
    if (!response.ok()) return {};
    EXPECT_EQ(response->status, 200);
    // prometheus-cpp 1.0 says "text/plain; charset=utf-8", which
    // Prometheus reads as the text format 0.0.4.
    EXPECT_THAT(response->headers["content-type"], StartsWith("text/plain"));
    absl::StatusOr<Exposition> parsed = ParseExposition(response->body);
    EXPECT_TRUE(parsed.ok()) << parsed.status() << "\n" << response->body;
    return parsed.ok() ? *parsed : Exposition{};
  }

  static double Delta(const Exposition& after, const Exposition& before,
                      const std::string& key) {
    const double a = after.Value(key), b = before.Value(key);
    return (a < 0 ? 0 : a) - (b < 0 ? 0 : b);
  }

  kamgov::testing::TempDir dir_;
  std::unique_ptr<OpsServer> server_;
};

TEST_F(OpsMetricsTest, ServesValidTextWithEveryFamilyTyped) {
  // A labelled family shows once it has a series: issue commands first.
  ASSERT_TRUE(server_->RunAll(domain::testing::World()).ok());
  const Exposition scraped = Scrape();
  const std::map<std::string, std::string> expected = {
      {"kamgov_commands_total", "counter"},
      {"kamgov_command_duration_seconds", "histogram"},
      {"kamgov_append_duration_seconds", "histogram"},
      {"kamgov_commit_group_appends", "histogram"},
      {"kamgov_commit_group_events", "histogram"},
      {"kamgov_wal_sync_duration_seconds", "histogram"},
      {"kamgov_wal_sync_groups", "histogram"},
      {"kamgov_events_appended_total", "counter"},
      {"kamgov_writer_queue_depth", "gauge"},
      {"kamgov_writer_unsynced_groups", "gauge"},
      {"kamgov_store_failed", "gauge"},
      {"kamgov_log_head_position", "gauge"},
      {"kamgov_subscriptions", "gauge"},
      {"kamgov_subscription_lag_max_events", "gauge"},
      {"kamgov_subscription_lag_events_sum", "gauge"},
      {"kamgov_subscription_buffered_events", "gauge"},
      {"kamgov_subscription_fallbacks_total", "counter"},
      {"kamgov_rocksdb_pending_compaction_bytes", "gauge"},
      {"kamgov_rocksdb_write_stopped", "gauge"},
      {"kamgov_rocksdb_delayed_write_rate_bytes", "gauge"},
      {"kamgov_rocksdb_write_stall_seconds_total", "counter"},
      {"kamgov_rocksdb_wal_bytes", "gauge"},
      {"kamgov_rocksdb_wal_files", "gauge"},
      {"kamgov_rocksdb_memtable_bytes", "gauge"},
      {"kamgov_backups_total", "counter"},
  };
  for (const auto& [family, type] : expected) {
    auto it = scraped.types.find(family);
    ASSERT_NE(it, scraped.types.end()) << family;
    EXPECT_EQ(it->second, type) << family;
  }
  EXPECT_EQ(scraped.Value("kamgov_store_failed"), 0);
  EXPECT_EQ(scraped.Value("kamgov_rocksdb_write_stopped"), 0);
  EXPECT_GE(scraped.Value("kamgov_rocksdb_wal_files"), 1);
}

TEST_F(OpsMetricsTest, EveryFamilyIsDocumented) {
  std::ifstream in(std::string(KAMGOV_SOURCE_DIR) + "/docs/metrics.md");
  ASSERT_TRUE(in) << "docs/metrics.md";
  std::stringstream doc;
  doc << in.rdbuf();
  ASSERT_TRUE(server_->RunAll(domain::testing::World()).ok());
  for (const auto& [family, type] : Scrape().types) {
    if (family.rfind("kamgov_", 0) != 0) continue;  // civetweb's exposer_*
    EXPECT_THAT(doc.str(), HasSubstr("`" + family + "`")) << family;
  }
}

TEST_F(OpsMetricsTest, CountersMoveWhenCommandsAreIssued) {
  const Exposition before = Scrape();
  const std::vector<domain::testing::CommandStep> world =
      domain::testing::World();
  ASSERT_TRUE(server_->RunAll(world).ok());
  // A refused command: `nobody` holds no role that may register people.
  absl::StatusOr<v1::CommandResult> refused = server_->Execute(
      domain::testing::Step("nobody", absl::StrCat(R"pb(register_person {
                                                          person_id: "x1"
                                                          name: "X"
                                                          unit_id: "tax"
                                                          country: "DE"
                                                        })pb")));
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  const std::string rule = GetErrorInfo(refused.status())->reason();
  ASSERT_FALSE(rule.empty());

  const Exposition after = Scrape();
  // World(): 11 registrations, 2 programs established, 2 criteria.
  EXPECT_EQ(Delta(after, before,
                  "kamgov_commands_total{command=\"RegisterPerson\","
                  "outcome=\"accepted\",rule=\"\"}"),
            11);
  EXPECT_EQ(Delta(after, before,
                  "kamgov_commands_total{command=\"EstablishProgram\","
                  "outcome=\"accepted\",rule=\"\"}"),
            2);
  EXPECT_EQ(Delta(after, before,
                  "kamgov_commands_total{command=\"PublishSelectionCriteria\","
                  "outcome=\"accepted\",rule=\"\"}"),
            2);
  EXPECT_EQ(
      Delta(after, before,
            absl::StrCat("kamgov_commands_total{command=\"RegisterPerson\","
                         "outcome=\"rejected\",rule=\"",
                         rule, "\"}")),
      1);
  EXPECT_EQ(Delta(after, before, "kamgov_command_duration_seconds_count"),
            world.size() + 1);
  // One append per accepted command; the groups hold them all.
  EXPECT_EQ(Delta(after, before, "kamgov_append_duration_seconds_count"),
            world.size());
  EXPECT_EQ(Delta(after, before, "kamgov_commit_group_appends_sum"),
            world.size());
  EXPECT_GE(Delta(after, before, "kamgov_wal_sync_duration_seconds_count"), 1);
  const double head =
      static_cast<double>(server_->daemon().log().GetChainHead().position);
  EXPECT_EQ(after.Value("kamgov_log_head_position"), head);
  EXPECT_EQ(Delta(after, before, "kamgov_events_appended_total"), head);
  EXPECT_EQ(Delta(after, before, "kamgov_commit_group_events_sum"), head);
  // Everything answered: nothing queued, nothing waiting for an fsync.
  EXPECT_EQ(after.Value("kamgov_writer_queue_depth"), 0);
  EXPECT_EQ(after.Value("kamgov_writer_unsynced_groups"), 0);
  EXPECT_GT(after.Value("kamgov_rocksdb_wal_bytes"), 0);

  // Every read model's lag, and it reaches 0 once the projection caught up.
  ASSERT_EQ(server_->daemon().projections().Status().size(), 7u);
  for (const projections::ProjectionProgress& p :
       server_->daemon().projections().Status()) {
    const std::string series = absl::StrCat(
        "kamgov_projection_lag_events{projection=\"", p.name, "\"}");
    ASSERT_TRUE(server_->daemon()
                    .projections()
                    .Read(p.name, head, absl::Now() + absl::Seconds(30))
                    .ok());
    EXPECT_EQ(Scrape().Value(series), 0) << series;
    EXPECT_EQ(Scrape().Value(absl::StrCat(
                  "kamgov_projection_failed{projection=\"", p.name, "\"}")),
              0);
  }
}

TEST_F(OpsMetricsTest, SubscriptionGaugesFollowAnOpenSubscription) {
  ASSERT_TRUE(server_->RunAll(domain::testing::World()).ok());
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->daemon().port()),
                          grpc::InsecureChannelCredentials());
  auto stub = v1::EventStreamService::NewStub(channel);
  grpc::ClientContext context;
  context.AddMetadata(kPrincipalHeader, kOpsPrincipal);
  v1::SubscribeRequest request;
  request.mutable_from()->set_start(true);
  auto reader = stub->Subscribe(&context, request);
  v1::SubscribeResponse response;
  while (reader->Read(&response) &&
         response.kind_case() != v1::SubscribeResponse::kCaughtUp) {
  }
  ASSERT_EQ(response.kind_case(), v1::SubscribeResponse::kCaughtUp);

  const Exposition live = Scrape();
  EXPECT_EQ(live.Value("kamgov_subscriptions{phase=\"live\"}"), 1);
  EXPECT_EQ(live.Value("kamgov_subscriptions{phase=\"catch_up\"}"), 0);
  EXPECT_EQ(live.Value("kamgov_subscription_lag_max_events"), 0);

  context.TryCancel();
  while (reader->Read(&response)) {
  }
  reader->Finish().IgnoreError();
  // The hub forgets the subscription once its call has ended.
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  double open = 1;
  while (absl::Now() < deadline) {
    open = Scrape().Value("kamgov_subscriptions{phase=\"live\"}");
    if (open == 0) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(open, 0);
}

TEST(OpsMetrics, AnAddressInUseFailsStartup) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)),
            0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  const int port = ntohs(address.sin_port);

  kamgov::testing::TempDir dir;
  DaemonOptions options = TestDaemonOptions(dir.path());
  options.metrics_listen = absl::StrCat("127.0.0.1:", port);
  absl::StatusOr<std::unique_ptr<Daemon>> daemon = Daemon::Start(options);
  ASSERT_FALSE(daemon.ok());
  EXPECT_EQ(daemon.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(daemon.status().message(), HasSubstr("metrics_listen"));

  // kamgovd's built-in default address is best effort: the server starts
  // without metrics.
  options.metrics_listen_required = false;
  daemon = Daemon::Start(options);
  close(fd);
  ASSERT_TRUE(daemon.ok()) << daemon.status();
  EXPECT_EQ((*daemon)->metrics_port(), 0);
}

TEST(OpsMetrics, ParserRefusesMalformedText) {
  for (const char* text : {
           "# TYPE a counter\na 1",                      // no final \n
           "a{b=\"c\"} \n",                              // no value
           "a{b=c} 1\n",                                 // unquoted
           "a{b=\"\\x\"} 1\n",                           // bad escape
           "# TYPE a counter\n# TYPE a counter\na 1\n",  // two TYPEs
           "a 1\n# TYPE a counter\n",                    // TYPE after
           "a 1\nb 1\na{x=\"1\"} 2\n",                   // not contiguous
           "1a 1\n",                                     // bad name
           "a{b=\"1\",b=\"2\"} 1\n",                     // label twice
           "# TYPE a counter\na -1\n",                   // negative counter
           "# TYPE h histogram\nh_bucket{le=\"1\"} 2\n"  // no +Inf
           "h_sum 1\nh_count 2\n",
           "# TYPE h histogram\nh_bucket{le=\"1\"} 2\n"  // decreasing
           "h_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
       }) {
    EXPECT_FALSE(ParseExposition(text).ok()) << text;
  }
  absl::StatusOr<Exposition> good = ParseExposition(
      "# HELP h a histogram with a \\\\ and a \\n\n"
      "# TYPE h histogram\n"
      "h_bucket{x=\"q\\\"\",le=\"0.5\"} 1\n"
      "h_bucket{x=\"q\\\"\",le=\"+Inf\"} 3\n"
      "h_sum{x=\"q\\\"\"} 4.5e0\n"
      "h_count{x=\"q\\\"\"} 3\n"
      "g NaN 1700000000000\n");
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_EQ(good->Value("h_count{x=\"q\"\"}"), 3);
}

}  // namespace
}  // namespace kamgov::services::testing
