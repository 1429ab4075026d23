#ifndef KAMGOV_SERVICES_DEADLINE_SCHEDULER_H_
#define KAMGOV_SERVICES_DEADLINE_SCHEDULER_H_

#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/command_processor.h"

namespace kamgov::services {

// Asks the command processor to record the ⚙ deadline events (overdue plan
// reviews, coverage gaps, overdue sponsor engagement, escalation time-outs)
// every `interval`. "Once per deadline instance" is the domain's guarantee
// (domain/scheduler.h), so running often, or after a restart, records
// nothing twice.
//
// Owns one thread; the destructor stops it. The processor is not owned.
class DeadlineScheduler {
 public:
  DeadlineScheduler(CommandProcessor* processor, absl::Duration interval);
  ~DeadlineScheduler();
  DeadlineScheduler(const DeadlineScheduler&) = delete;
  DeadlineScheduler& operator=(const DeadlineScheduler&) = delete;

 private:
  void Run();

  CommandProcessor* const processor_;
  const absl::Duration interval_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace kamgov::services

#endif  // KAMGOV_SERVICES_DEADLINE_SCHEDULER_H_
