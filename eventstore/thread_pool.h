#ifndef KAMGOV_EVENTSTORE_THREAD_POOL_H_
#define KAMGOV_EVENTSTORE_THREAD_POOL_H_

#include <deque>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace kamgov::eventstore {

// A fixed set of threads running scheduled tasks in FIFO order: where work
// that may block (disk reads) goes, so gRPC reactions never block.
//
// Schedule may be called from any thread, including from a task. Shutdown
// (or the destructor) runs every task already scheduled, then joins; tasks
// scheduled after Shutdown (even by a running task) are dropped, unrun.
// Shutdown must not be called from a task. `threads` < 1 means 1.
class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  void Schedule(absl::AnyInvocable<void() &&> task);
  void Shutdown();

 private:
  void Work();

  absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void() &&>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace kamgov::eventstore

#endif  // KAMGOV_EVENTSTORE_THREAD_POOL_H_
