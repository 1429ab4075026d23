// The server started in-process exactly as kamgovd starts it, on port 0.

#include "services/daemon.h"

#include <grpcpp/create_channel.h>

#include <filesystem>
#include <string>

#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace kamgov::services {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DaemonOptions options;
    options.server.listen = "127.0.0.1:0";
    options.data_dir = dir_.path();
    absl::StatusOr<std::unique_ptr<Daemon>> daemon = Daemon::Start(options);
    ASSERT_TRUE(daemon.ok()) << daemon.status();
    daemon_ = *std::move(daemon);
    channel_ =
        grpc::CreateChannel("127.0.0.1:" + std::to_string(daemon_->port()),
                            grpc::InsecureChannelCredentials());
  }

  testing::TempDir dir_;
  std::unique_ptr<Daemon> daemon_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(DaemonTest, ServesHealth) {
  auto stub = grpc::health::v1::Health::NewStub(channel_);
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  ASSERT_TRUE(stub->Check(&context, request, &response).ok());
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(DaemonTest, HealthTurnsNotServingOnStop) {
  daemon_->Stop(absl::ZeroDuration());
  auto stub = grpc::health::v1::Health::NewStub(channel_);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  EXPECT_FALSE(stub->Check(&context, request, &response).ok());
}

TEST_F(DaemonTest, ServesReflectionListingTheHealthService) {
  auto stub = grpc::reflection::v1alpha::ServerReflection::NewStub(channel_);
  grpc::ClientContext context;
  auto stream = stub->ServerReflectionInfo(&context);
  grpc::reflection::v1alpha::ServerReflectionRequest request;
  request.set_list_services("");
  ASSERT_TRUE(stream->Write(request));
  stream->WritesDone();
  grpc::reflection::v1alpha::ServerReflectionResponse response;
  ASSERT_TRUE(stream->Read(&response));
  std::vector<std::string> names;
  for (const auto& service : response.list_services_response().service()) {
    names.push_back(service.name());
  }
  EXPECT_THAT(names, Contains("grpc.health.v1.Health"));
  EXPECT_THAT(names, Contains("grpc.reflection.v1alpha.ServerReflection"));
  EXPECT_TRUE(stream->Finish().ok());
}

TEST(DaemonStart, RefusesNonLoopbackWithoutTls) {
  testing::TempDir dir;
  DaemonOptions options;
  options.server.listen = "0.0.0.0:0";
  options.data_dir = dir.path();
  absl::StatusOr<std::unique_ptr<Daemon>> daemon = Daemon::Start(options);
  ASSERT_FALSE(daemon.ok());
  EXPECT_EQ(daemon.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(daemon.status().message(), HasSubstr("without TLS"));
}

TEST(DaemonStart, SecondDaemonOnTheSameDataDirFailsClearly) {
  testing::TempDir dir;
  DaemonOptions options;
  options.server.listen = "127.0.0.1:0";
  options.data_dir = dir.path();
  absl::StatusOr<std::unique_ptr<Daemon>> first = Daemon::Start(options);
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<std::unique_ptr<Daemon>> second = Daemon::Start(options);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(second.status().message(), HasSubstr("cannot open"));
}

}  // namespace
}  // namespace kamgov::services
