#include "services/grpc_status.h"

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "proto/status_details.h"

namespace kamgov::services {
namespace {

TEST(GrpcStatus, RuleViolationCarriesErrorInfoInTheDetailsTrailer) {
  grpc::Status status =
      ToGrpcStatus(RuleViolation("SPONSOR_CAPACITY_EXCEEDED", "3 of 3"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  EXPECT_EQ(details.code(), 9);
  ASSERT_EQ(details.details_size(), 1);
  EXPECT_EQ(details.details(0).type_url(),
            "type.googleapis.com/google.rpc.ErrorInfo");
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(details.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "SPONSOR_CAPACITY_EXCEEDED");
  EXPECT_EQ(info.domain(), "kamgov.v1");
}

TEST(GrpcStatus, BadRequestRoundTrips) {
  absl::Status original =
      InvalidArgument({{"events[0].type", "required"}, {"principal", "x"}});
  absl::Status back = FromGrpcStatus(ToGrpcStatus(original));
  EXPECT_EQ(back.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(back.message(), original.message());
  std::optional<google::rpc::BadRequest> bad = GetBadRequest(back);
  ASSERT_TRUE(bad.has_value());
  ASSERT_EQ(bad->field_violations_size(), 2);
  EXPECT_EQ(bad->field_violations(0).field(), "events[0].type");
}

TEST(GrpcStatus, OkStaysOk) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
}

}  // namespace
}  // namespace kamgov::services
