#include "services/admin_service.h"

#include <algorithm>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "proto/status_details.h"
#include "services/grpc_status.h"
#include "services/identity.h"
#include "spdlog/spdlog.h"

namespace kamgov::services {

AdminService::AdminService(BackupTaker* backups,
                           projections::ProjectionEngine* engine,
                           Metrics* metrics, AdminOptions options)
    : backups_(backups),
      engine_(engine),
      metrics_(metrics),
      options_(std::move(options)) {
  worker_ = std::thread([this] { RunWorker(); });
}

AdminService::~AdminService() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  worker_.join();
}

absl::Status AdminService::CheckAdmin(
    const grpc::CallbackServerContext& context,
    absl::string_view action) const {
  absl::StatusOr<std::string> principal = PrincipalOf(context);
  if (!principal.ok()) return principal.status();
  const std::vector<std::string>& admins = options_.admin_principals;
  if (!admins.empty() &&
      std::find(admins.begin(), admins.end(), *principal) == admins.end()) {
    return absl::PermissionDeniedError(
        absl::StrCat("only the server's admin_principals may ", action));
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* AdminService::RebuildProjection(
    grpc::CallbackServerContext* context,
    const kamgov::v1::RebuildProjectionRequest* request,
    kamgov::v1::RebuildProjectionResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status status = CheckAdmin(*context, "rebuild projections");
  if (status.ok() && request->name().empty()) {
    status = InvalidArgument({{"name", "the projection to rebuild"}});
  }
  if (status.ok()) status = engine_->Rebuild(request->name());
  if (status.ok()) {
    response->set_head_position(engine_->HeadPosition());
    for (const projections::ProjectionProgress& p : engine_->Status()) {
      if (p.name == request->name()) response->set_version(p.rebuild_version);
    }
    spdlog::info("rebuilding projection {} (version {})", request->name(),
                 response->version());
  }
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

void AdminService::RunWorker() {
  while (true) {
    absl::AnyInvocable<void()> job;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !jobs_.empty() || stopping_;
      };
      mu_.Await(absl::Condition(&ready));
      if (jobs_.empty()) return;  // stopping, and every job has run
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

grpc::ServerUnaryReactor* AdminService::Backup(
    grpc::CallbackServerContext* context,
    const kamgov::v1::BackupRequest* request,
    kamgov::v1::BackupResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (absl::Status admitted = CheckAdmin(*context, "take backups");
      !admitted.ok()) {
    reactor->Finish(ToGrpcStatus(admitted));
    return reactor;
  }
  // Frees the slot before answering, so a caller may start the next
  // backup as soon as it has this one's answer.
  auto finish = [this, reactor](const grpc::Status& status) {
    {
      absl::MutexLock lock(&mu_);
      --pending_;
    }
    reactor->Finish(status);
  };
  auto job = [this, finish, request, response] {
    const absl::Time start = absl::Now();
    absl::StatusOr<BackupResult> result =
        backups_->Take(request->destination(), request->keep());
    const absl::Duration took = absl::Now() - start;
    if (metrics_ != nullptr) {
      metrics_->OnBackup(result.ok(), took,
                         result.ok() ? result->size_bytes : 0);
    }
    if (!result.ok()) {
      // The caller chose the path: escaped, so it cannot forge log lines.
      spdlog::warn("backup to {} failed: {}",
                   absl::CHexEscape(request->destination()),
                   result.status().ToString());
      finish(ToGrpcStatus(result.status()));
      return;
    }
    spdlog::info(
        "backup {} written to {} in {}: position {}, {} bytes in {} files, {} "
        "backups kept there",
        result->backup_id, absl::CHexEscape(request->destination()),
        absl::FormatDuration(took), result->position, result->size_bytes,
        result->file_count, result->backups_in_destination);
    response->set_backup_id(result->backup_id);
    response->set_position(result->position);
    response->set_size_bytes(result->size_bytes);
    response->set_file_count(result->file_count);
    response->set_backups_in_destination(result->backups_in_destination);
    response->set_created_at_us(result->created_at_us);
    finish(grpc::Status::OK);
  };
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_ && pending_ == 0) {
      ++pending_;
      jobs_.push_back(std::move(job));
      return reactor;
    }
    if (!stopping_) {
      reactor->Finish(ToGrpcStatus(absl::FailedPreconditionError(
          "a backup is already running; retry when it has finished")));
      return reactor;
    }
  }
  reactor->Finish(
      ToGrpcStatus(absl::UnavailableError("the server is shutting down")));
  return reactor;
}

}  // namespace kamgov::services
