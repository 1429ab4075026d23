// services/config.h: the config file parser, the flag overlay and
// --print_config's format.

#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/config.h"

// Defined here so that the overlay has flags to find, as kamgovd's are.
ABSL_FLAG(std::string, metrics_listen, "127.0.0.1:9464", "test flag");
ABSL_FLAG(int, max_subscriptions, 1000, "test flag");
ABSL_FLAG(bool, insecure, false, "test flag");

namespace kamgov::services {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(OpsConfig, DefaultsAreKamgovdsAndDaemonOptionsDefaults) {
  Config config = DefaultConfig();
  DaemonOptions daemon;
  EXPECT_EQ(config.daemon.metrics_listen, "127.0.0.1:9464");
  EXPECT_EQ(config.daemon.server.listen, daemon.server.listen);
  EXPECT_EQ(config.daemon.append_limits.max_event_bytes,
            daemon.append_limits.max_event_bytes);
  EXPECT_EQ(config.daemon.subscriptions.max_subscriptions,
            daemon.subscriptions.max_subscriptions);
  EXPECT_EQ(config.log_level, "info");
  EXPECT_EQ(config.log_format, "text");
}

TEST(OpsConfig, FileSetsEveryKindOfValue) {
  Config config = DefaultConfig();
  absl::Status status = ParseConfig(R"(
# a comment
   listen = 127.0.0.1:6000
insecure = true
data_dir = /var/lib/kamgov
log_format = json
metrics_listen =
max_event_bytes = 512KiB
max_events_per_append = 50
block_cache_bytes = 1GiB
scheduler_interval = 0
subscription_stall_timeout = 2m
admin_principals = spiffe://kamgov/svc/admin, ops
backup_root = /var/backups/kamgov
read_default_page_size = 10
)",
                                    "test.conf", config);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(config.daemon.server.listen, "127.0.0.1:6000");
  EXPECT_TRUE(config.daemon.server.insecure);
  EXPECT_EQ(config.daemon.data_dir, "/var/lib/kamgov");
  EXPECT_EQ(config.log_format, "json");
  EXPECT_EQ(config.daemon.metrics_listen, "");
  EXPECT_EQ(config.daemon.append_limits.max_event_bytes, 512u * 1024);
  EXPECT_EQ(config.daemon.append_limits.max_events_per_append, 50u);
  EXPECT_EQ(config.daemon.block_cache_bytes, size_t{1} << 30);
  EXPECT_EQ(config.daemon.scheduler_interval, absl::ZeroDuration());
  EXPECT_EQ(config.daemon.subscriptions.stall_timeout, absl::Minutes(2));
  EXPECT_THAT(config.daemon.admin.admin_principals,
              ElementsAre("spiffe://kamgov/svc/admin", "ops"));
  EXPECT_EQ(config.daemon.backup.backup_root, "/var/backups/kamgov");
  EXPECT_EQ(config.daemon.read_limits.default_page_size, 10u);
  EXPECT_TRUE(config.set_keys.contains("metrics_listen"));
  EXPECT_FALSE(config.set_keys.contains("io_threads"));
}

TEST(OpsConfig, TlsAuthorizationAndCallLimitsAreKeys) {
  Config config = DefaultConfig();
  absl::Status status = ParseConfig(
      "tls_cert = /etc/kamgov/tls/server.crt\n"
      "tls_key = /etc/kamgov/tls/server.key\n"
      "tls_client_ca = /etc/kamgov/tls/ca.crt\n"
      "principal_from = cn\n"
      "authz_policy = /etc/kamgov/authz.ini\n"
      "max_message_bytes = 1MiB\n"
      "default_deadline = 5s\n"
      "max_subscriptions_per_principal = 3\n",
      "test.conf", config);
  ASSERT_TRUE(status.ok()) << status;
  const GrpcServerOptions& server = config.daemon.server;
  EXPECT_EQ(server.tls.cert_file, "/etc/kamgov/tls/server.crt");
  EXPECT_EQ(server.tls.key_file, "/etc/kamgov/tls/server.key");
  EXPECT_EQ(server.tls.client_ca_file, "/etc/kamgov/tls/ca.crt");
  EXPECT_TRUE(server.tls.enabled());
  EXPECT_EQ(server.principal_from, PrincipalSource::kCommonName);
  EXPECT_EQ(server.authz_policy_file, "/etc/kamgov/authz.ini");
  EXPECT_EQ(server.max_message_bytes, 1 << 20);
  EXPECT_EQ(server.default_deadline, absl::Seconds(5));
  EXPECT_EQ(server.max_subscriptions_per_principal, 3u);
  // They print back as they were set.
  const std::string printed = FormatConfig(config);
  EXPECT_THAT(printed, HasSubstr("principal_from = cn"));
  EXPECT_THAT(printed, HasSubstr("max_message_bytes = 1MiB"));

  status = ParseConfig("principal_from = email\n", "bad.conf", config);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("principal_from"));
}

TEST(OpsConfig, UnknownKeyFailsNamingTheKeyAndLine) {
  Config config = DefaultConfig();
  absl::Status status = ParseConfig(
      "listen = 127.0.0.1:1\nmax_evnt_bytes = 1024\n", "kamgovd.conf", config);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(),
              AllOf(HasSubstr("kamgovd.conf:2"), HasSubstr("max_evnt_bytes"),
                    HasSubstr("unknown key")));
}

TEST(OpsConfig, OutOfRangeLimitFailsNamingTheKeyAndTheRange) {
  struct Case {
    std::string line;
    std::string range;
  };
  for (const Case& c : std::vector<Case>{
           {"max_event_bytes = 0", "1KiB to 64MiB"},
           {"max_event_bytes = 65MiB", "1KiB to 64MiB"},
           {"max_subscriptions = 0", "1 to 100000"},
           {"io_threads = 65", "1 to 64"},
           {"max_id_length = 64", "128 to 1024"},
           {"subscription_checkpoint_interval = 1ms", "100ms to 1h"},
           {"scheduler_interval = 500ms", "0 or 1s to 24h"},
       }) {
    Config config = DefaultConfig();
    absl::Status status = ParseConfig(c.line + "\n", "f", config);
    const std::string key = c.line.substr(0, c.line.find(' '));
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.line;
    EXPECT_THAT(status.message(),
                AllOf(HasSubstr("f:1"), HasSubstr(key),
                      HasSubstr("out of range"), HasSubstr(c.range)))
        << c.line;
  }
}

TEST(OpsConfig, MalformedValuesAndLinesFailNamingTheKey) {
  for (const std::string& line : std::vector<std::string>{
           "max_event_bytes = lots", "max_event_bytes = -5",
           "max_event_bytes = 5TB", "insecure = yes", "log_level = verbose",
           "log_format = xml", "shutdown_grace = soon", "listen =",
           "admin_principals = a,,b", "admin_principals = has space"}) {
    Config config = DefaultConfig();
    absl::Status status = ParseConfig(line, "f", config);
    const std::string key = line.substr(0, line.find(' '));
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << line;
    EXPECT_THAT(status.message(), HasSubstr(key)) << line;
  }
  Config config = DefaultConfig();
  EXPECT_THAT(ParseConfig("just words\n", "f", config).message(),
              HasSubstr("f:1: expected 'key = value'"));
  EXPECT_THAT(
      ParseConfig("io_threads = 2\nio_threads = 3\n", "f", config).message(),
      AllOf(HasSubstr("f:2"), HasSubstr("'io_threads' is set twice")));
}

TEST(OpsConfig, ValidateRefusesADefaultPageAboveTheMaximum) {
  Config config = DefaultConfig();
  ASSERT_TRUE(ParseConfig("read_default_page_size = 500\n"
                          "read_max_page_size = 100\n",
                          "f", config)
                  .ok());
  absl::Status status = ValidateConfig(config);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("read_default_page_size"));
  EXPECT_TRUE(ValidateConfig(DefaultConfig()).ok());
}

TEST(OpsConfig, PrintedConfigParsesBackToTheSameConfig) {
  Config config = DefaultConfig();
  ASSERT_TRUE(ParseConfig("max_event_bytes = 12345\n"
                          "admin_principals = a,b\n"
                          "subscription_checkpoint_interval = 1.5s\n"
                          "metrics_listen =\n",
                          "f", config)
                  .ok());
  const std::string printed = FormatConfig(config);
  // Every key appears exactly once, as "key = value".
  for (const std::string& key : ConfigKeys()) {
    EXPECT_THAT(printed, HasSubstr("\n" + key + " =")) << key;
  }
  Config reparsed = DefaultConfig();
  absl::Status status = ParseConfig(printed, "printed", reparsed);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(FormatConfig(reparsed), printed);
  EXPECT_EQ(reparsed.daemon.append_limits.max_event_bytes, 12345u);
  EXPECT_EQ(reparsed.daemon.subscriptions.checkpoint_interval,
            absl::Milliseconds(1500));
  EXPECT_EQ(reparsed.daemon.metrics_listen, "");
}

TEST(OpsConfig, FlagsGivenOnTheCommandLineWinOverTheFile) {
  Config config = DefaultConfig();
  ASSERT_TRUE(ParseConfig("metrics_listen = 127.0.0.1:7000\n"
                          "max_subscriptions = 10\n"
                          "insecure = true\n",
                          "f", config)
                  .ok());
  absl::SetFlag(&FLAGS_metrics_listen, "127.0.0.1:7001");
  absl::SetFlag(&FLAGS_max_subscriptions, 20);
  absl::SetFlag(&FLAGS_insecure, false);
  std::vector<std::string> argv_text = {
      "kamgovd",     "--metrics_listen=127.0.0.1:7001",
      "-noinsecure", "--unrelated",
      "--",          "--max_subscriptions=20"};
  std::vector<char*> argv;
  for (std::string& arg : argv_text) argv.push_back(arg.data());
  const std::vector<std::string> given =
      FlagsOnCommandLine(static_cast<int>(argv.size()), argv.data());
  EXPECT_THAT(given, ElementsAre("metrics_listen", "insecure"));
  ASSERT_TRUE(ApplyCommandLineFlags(given, config).ok());
  EXPECT_EQ(config.daemon.metrics_listen, "127.0.0.1:7001");  // the flag
  EXPECT_FALSE(config.daemon.server.insecure);                // the flag
  // Not given on the command line (after "--"): the file's value stays.
  EXPECT_EQ(config.daemon.subscriptions.max_subscriptions, 10u);
}

TEST(OpsConfig, AnOutOfRangeFlagFailsNamingTheFlag) {
  Config config = DefaultConfig();
  absl::SetFlag(&FLAGS_max_subscriptions, 0);
  absl::Status status = ApplyCommandLineFlags({"max_subscriptions"}, config);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), AllOf(HasSubstr("--max_subscriptions"),
                                      HasSubstr("out of range")));
  absl::SetFlag(&FLAGS_max_subscriptions, 1000);
}

TEST(OpsConfig, TheExampleConfigIsValid) {
  Config config = DefaultConfig();
  absl::Status status = LoadConfigFile(
      std::string(KAMGOV_SOURCE_DIR) + "/deploy/kamgovd.conf.example", config);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_TRUE(ValidateConfig(config).ok());
  EXPECT_EQ(config.daemon.data_dir, "/var/lib/kamgov");
  EXPECT_EQ(config.daemon.backup.backup_root, "/var/backups/kamgov");
}

TEST(OpsConfig, LoadConfigFileReportsAMissingFile) {
  Config config = DefaultConfig();
  absl::Status status = LoadConfigFile("/nonexistent/kamgovd.conf", config);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(status.message(), HasSubstr("/nonexistent/kamgovd.conf"));
}

}  // namespace
}  // namespace kamgov::services
