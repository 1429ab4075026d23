#include "services/listen_address.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kamgov::services {
namespace {

using ::testing::HasSubstr;

TEST(ListenAddress, LoopbackAddressesAreRecognised) {
  EXPECT_TRUE(IsLoopbackAddress("127.0.0.1:50051"));
  EXPECT_TRUE(IsLoopbackAddress("127.1.2.3:0"));
  EXPECT_TRUE(IsLoopbackAddress("localhost:50051"));
  EXPECT_TRUE(IsLoopbackAddress("[::1]:50051"));
  EXPECT_TRUE(IsLoopbackAddress("unix:/tmp/kamgov.sock"));
  EXPECT_FALSE(IsLoopbackAddress("0.0.0.0:50051"));
  EXPECT_FALSE(IsLoopbackAddress("[::]:50051"));
  EXPECT_FALSE(IsLoopbackAddress("10.1.2.3:50051"));
  EXPECT_FALSE(IsLoopbackAddress("example.com:50051"));
  EXPECT_FALSE(IsLoopbackAddress("127.0.0.1"));
}

TEST(ListenAddress, NonLoopbackWithoutTlsIsRefusedWithAClearMessage) {
  absl::Status status = CheckListenAddress("0.0.0.0:50051",
                                           /*tls_configured=*/false,
                                           /*insecure=*/false);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("0.0.0.0:50051"));
  EXPECT_THAT(status.message(), HasSubstr("without TLS"));
  EXPECT_THAT(status.message(), HasSubstr("--insecure"));
}

TEST(ListenAddress, InsecureOrTlsAllowsNonLoopback) {
  EXPECT_TRUE(CheckListenAddress("0.0.0.0:50051", false, true).ok());
  EXPECT_TRUE(CheckListenAddress("0.0.0.0:50051", true, false).ok());
  EXPECT_TRUE(CheckListenAddress("127.0.0.1:0", false, false).ok());
}

TEST(ListenAddress, AddressWithoutPortIsInvalid) {
  EXPECT_EQ(CheckListenAddress("localhost", false, false).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kamgov::services
