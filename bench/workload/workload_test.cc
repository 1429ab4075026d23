// Tests of the workload generator: the history it writes is valid (every
// command accepted by a real daemon, through gRPC, with commands in
// flight concurrently), the steady state follows the mix, and a seed
// always gives the same commands. The generator writes no command meant
// to be rejected.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/workload/executor.h"
#include "bench/workload/generator.h"
#include "bench/workload/pipeline.h"
#include "bench/workload/profile.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/daemon.h"
#include "tests/testing/temp_dir.h"

namespace kamgov::bench::workload {
namespace {

constexpr int64_t kDay = 20000;  // a fixed "today" for pure generator tests

std::unique_ptr<Generator> MakeGenerator(ProfileParams params,
                                         int64_t today = kDay) {
  GeneratorOptions options;
  options.today_day = today;
  absl::StatusOr<std::unique_ptr<Generator>> g =
      Generator::Create(params, options);
  EXPECT_TRUE(g.ok()) << g.status();
  return *std::move(g);
}

ProfileParams SmallGlobal(uint64_t seed = 7) {
  ProfileParams p;
  p.name = "global-matrix";
  p.accounts = 60;
  p.persons = 400;
  p.programs = 3;
  p.seed = seed;
  return p;
}

std::string Fingerprint(const GeneratedCommand& c) {
  std::string keys;
  for (const Key& k : c.keys) absl::StrAppend(&keys, k.id, k.exclusive, ",");
  return absl::StrCat(c.seq, "|", static_cast<int>(c.bucket), "|",
                      c.meta.SerializeAsString(), "|",
                      c.command.SerializeAsString(), "|", keys);
}

std::vector<std::string> Sequence(ProfileParams params, int steady) {
  std::unique_ptr<Generator> g = MakeGenerator(params);
  std::vector<std::string> out;
  for (const auto& phase : g->Setup()) {
    for (const GeneratedCommand& c : phase) out.push_back(Fingerprint(c));
  }
  for (int i = 0; i < steady; ++i) out.push_back(Fingerprint(g->Next()));
  return out;
}

TEST(Profile, DefaultsFollowDomainSection7) {
  absl::StatusOr<Profile> primum = MakeProfile({});
  ASSERT_TRUE(primum.ok()) << primum.status();
  EXPECT_EQ(primum->params.persons, 60);
  EXPECT_EQ(primum->kams, 10);
  EXPECT_EQ(primum->units.size(), 4u);  // four subgroups with a superior
  int expertise = 0;
  for (const UnitSpec& u : primum->units) expertise += u.expertise.size();
  EXPECT_EQ(expertise, 7);
  ASSERT_EQ(primum->programs.size(), 1u);
  EXPECT_EQ(primum->programs[0].manager_mode, v1::MANAGER_MODE_PART_TIME);

  ProfileParams global;
  global.name = "global-matrix";
  absl::StatusOr<Profile> matrix = MakeProfile(global);
  ASSERT_TRUE(matrix.ok()) << matrix.status();
  EXPECT_EQ(matrix->programs[0].level, v1::PROGRAM_LEVEL_GLOBAL);
  EXPECT_EQ(matrix->programs[0].manager_scope, v1::MANAGER_SCOPE_GLOBAL);
}

TEST(Profile, RejectsUnknownNamesAndTooFewPersons) {
  ProfileParams bad;
  bad.name = "nope";
  EXPECT_EQ(MakeProfile(bad).status().code(),
            absl::StatusCode::kInvalidArgument);
  ProfileParams small;
  small.persons = 10;
  EXPECT_EQ(MakeProfile(small).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(Generator, SameSeedGivesTheSameCommands) {
  const std::vector<std::string> a = Sequence(SmallGlobal(7), 2000);
  EXPECT_EQ(a, Sequence(SmallGlobal(7), 2000));
  EXPECT_NE(a, Sequence(SmallGlobal(8), 2000));
}

TEST(Generator, SteadyStateFollowsTheMix) {
  ProfileParams params = SmallGlobal();
  params.accounts = 400;
  params.persons = 3000;
  std::unique_ptr<Generator> g = MakeGenerator(params);
  g->Setup();
  constexpr int kCommands = 20000;
  std::map<Bucket, int> counts;
  for (int i = 0; i < kCommands; ++i) ++counts[g->Next().bucket];
  const Mix mix;
  for (Bucket b :
       {Bucket::kPlans, Bucket::kEngagements, Bucket::kTeam,
        Bucket::kEscalations, Bucket::kAssignments, Bucket::kSelection}) {
    EXPECT_NEAR(static_cast<double>(counts[b]) / kCommands, mix.Share(b), 0.015)
        << BucketName(b);
  }
  EXPECT_EQ(counts[Bucket::kSetup], 0);
  // Escalations climb and get resolved: they do not pile up.
  EXPECT_GT(g->summary().escalations_raised, 500);
  EXPECT_LT(g->summary().open_escalations, 150);
}

// A real daemon (port 0, its own data directory) driven through gRPC.
class DaemonRun {
 public:
  explicit DaemonRun(const std::string& dir) {
    services::DaemonOptions options;
    options.server.listen = "127.0.0.1:0";
    options.data_dir = dir;
    options.scheduler_interval = absl::ZeroDuration();
    absl::StatusOr<std::unique_ptr<services::Daemon>> d =
        services::Daemon::Start(std::move(options));
    EXPECT_TRUE(d.ok()) << d.status();
    daemon_ = *std::move(d);
    channels_ = MakeChannels(absl::StrCat("127.0.0.1:", daemon_->port()), 2);
    executor_ = std::make_unique<GrpcExecutor>(channels_, "svc:workload-test");
    pipeline_ = std::make_unique<Pipeline>(executor_.get());
  }
  Pipeline& pipeline() { return *pipeline_; }
  v1::GovernanceService::Stub& stub() {
    if (stub_ == nullptr) stub_ = v1::GovernanceService::NewStub(channels_[0]);
    return *stub_;
  }

 private:
  std::unique_ptr<services::Daemon> daemon_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::unique_ptr<GrpcExecutor> executor_;
  std::unique_ptr<Pipeline> pipeline_;
  std::unique_ptr<v1::GovernanceService::Stub> stub_;
};

void ExpectValidHistory(const ProfileParams& params, int steady) {
  kamgov::testing::TempDir dir;
  DaemonRun run(dir.path());
  std::unique_ptr<Generator> g = MakeGenerator(params, /*today=*/-1);
  for (std::vector<GeneratedCommand>& phase : g->Setup()) {
    ASSERT_TRUE(RunPhase(run.pipeline(), std::move(phase), 16).ok());
  }
  std::map<Bucket, int> counts;
  absl::Status steady_run = RunCommands(
      run.pipeline(),
      [&] {
        GeneratedCommand c = g->Next();
        ++counts[c.bucket];
        return c;
      },
      steady, 32);
  ASSERT_TRUE(steady_run.ok()) << steady_run;

  // The server's portfolio is the generator's.
  int designated = 0;
  for (const ProgramSpec& p : g->profile().programs) {
    grpc::ClientContext context;
    v1::GetRequest request;
    request.set_id(p.id);
    v1::GetProgramResponse response;
    ASSERT_TRUE(run.stub().GetProgram(&context, request, &response).ok());
    designated += response.state().active_key_account_ids_size();
    EXPECT_LE(response.state().active_key_account_ids_size(),
              p.max_key_accounts);
  }
  EXPECT_EQ(designated, g->summary().designated);
  // Every family of the mix was exercised.
  for (Bucket b :
       {Bucket::kPlans, Bucket::kEngagements, Bucket::kTeam,
        Bucket::kEscalations, Bucket::kAssignments, Bucket::kSelection}) {
    EXPECT_GT(counts[b], 0) << BucketName(b);
    EXPECT_NEAR(static_cast<double>(counts[b]) / steady, Mix().Share(b), 0.06)
        << BucketName(b);
  }
}

TEST(Generator, PrimumHistoryIsAcceptedCommandByCommand) {
  ExpectValidHistory(ProfileParams{}, 800);
}

TEST(Generator, GlobalMatrixHistoryIsAcceptedCommandByCommand) {
  ExpectValidHistory(SmallGlobal(), 800);
}

}  // namespace
}  // namespace kamgov::bench::workload
