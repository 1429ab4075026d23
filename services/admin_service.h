#ifndef KAMGOV_SERVICES_ADMIN_SERVICE_H_
#define KAMGOV_SERVICES_ADMIN_SERVICE_H_

#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"
#include "kamgov/v1/admin.grpc.pb.h"
#include "projections/engine.h"
#include "services/backup.h"
#include "services/metrics.h"

namespace kamgov::services {

struct AdminOptions {
  // Principals allowed to call AdminService. Empty: any authenticated
  // caller (fine on a loopback development server; set it in production).
  std::vector<std::string> admin_principals;
};

// AdminService on the callback API. Backup runs on the service's own worker
// thread (never on a gRPC reaction): one backup at a time, a second call
// meanwhile fails with FAILED_PRECONDITION (BackupTaker). RebuildProjection
// only starts the engine's build thread: answered in the reaction.
//
// The taker, engine and metrics are not owned and must outlive the service
// (metrics may be null). Destruction waits for the backup in progress: cancel
// it first (BackupTaker::Cancel) for a prompt stop.
class AdminService final : public kamgov::v1::AdminService::CallbackService {
 public:
  AdminService(BackupTaker* backups, projections::ProjectionEngine* engine,
               Metrics* metrics, AdminOptions options);
  ~AdminService() override;

  grpc::ServerUnaryReactor* Backup(
      grpc::CallbackServerContext* context,
      const kamgov::v1::BackupRequest* request,
      kamgov::v1::BackupResponse* response) override;

  grpc::ServerUnaryReactor* RebuildProjection(
      grpc::CallbackServerContext* context,
      const kamgov::v1::RebuildProjectionRequest* request,
      kamgov::v1::RebuildProjectionResponse* response) override;

 private:
  // PERMISSION_DENIED unless the caller is one of admin_principals (any
  // authenticated caller when the list is empty).
  absl::Status CheckAdmin(const grpc::CallbackServerContext& context,
                          absl::string_view action) const;
  void RunWorker();

  BackupTaker* const backups_;
  projections::ProjectionEngine* const engine_;
  Metrics* const metrics_;
  const AdminOptions options_;

  absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void()>> jobs_ ABSL_GUARDED_BY(mu_);
  // Backups queued or running: at most one.
  int pending_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread worker_;
};

}  // namespace kamgov::services

#endif  // KAMGOV_SERVICES_ADMIN_SERVICE_H_
