#include "services/deadline_scheduler.h"

#include "spdlog/spdlog.h"

namespace kamgov::services {

DeadlineScheduler::DeadlineScheduler(CommandProcessor* processor,
                                     absl::Duration interval)
    : processor_(processor), interval_(interval) {
  thread_ = std::thread([this] { Run(); });
}

DeadlineScheduler::~DeadlineScheduler() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
}

void DeadlineScheduler::Run() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&stop_), interval_)) return;
    }
    processor_->RunDeadlines([](absl::StatusOr<int> recorded) {
      if (!recorded.ok()) {
        spdlog::warn("deadline scheduler: {}", recorded.status().ToString());
      } else if (*recorded > 0) {
        spdlog::info("deadline scheduler recorded {} events", *recorded);
      }
    });
  }
}

}  // namespace kamgov::services
