#include "services/command_processor.h"

#include <atomic>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "domain/decide.h"
#include "domain/policy.h"
#include "domain/scheduler.h"
#include "eventstore/hash_chain.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "proto/status_details.h"

namespace kamgov::services {
namespace {

std::string DeterministicBytes(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

std::string CommandKey(const std::string& principal,
                       const std::string& command_id) {
  if (command_id.empty()) return "";
  return absl::StrCat(principal, absl::string_view("\0", 1), command_id);
}

// The API's expected version as the store's.
eventstore::ExpectedVersion FromApi(const v1::ExpectedVersion& expected) {
  switch (expected.kind_case()) {
    case v1::ExpectedVersion::kNoStream:
      return eventstore::ExpectedVersion::NoStream();
    case v1::ExpectedVersion::kStreamExists:
      return eventstore::ExpectedVersion::StreamExists();
    case v1::ExpectedVersion::kExact:
      return eventstore::ExpectedVersion::Exact(expected.exact());
    default:
      return eventstore::ExpectedVersion::Any();
  }
}

}  // namespace

std::string CommandFingerprint(const v1::CommandMeta& meta,
                               const v1::Command& command) {
  v1::CommandMeta identifying = meta;
  identifying.clear_command_id();
  return eventstore::Sha256(
      {DeterministicBytes(identifying), DeterministicBytes(command)});
}

CommandProcessor::CommandProcessor(eventstore::EventLog* log,
                                   ProcessorOptions options)
    : log_(log),
      options_(std::move(options)),
      cache_(log, options_.cache_capacity, options_.history_rows),
      store_empty_(log->GetChainHead().position == 0) {
  thread_ = std::thread([this] { Run(); });
}

CommandProcessor::~CommandProcessor() { Stop(); }

void CommandProcessor::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void CommandProcessor::Enqueue(Item item) {
  absl::MutexLock lock(&mu_);
  queue_.push_back(std::move(item));
}

void CommandProcessor::Submit(std::string principal, v1::CommandMeta meta,
                              v1::Command command, Done done) {
  if (CommandObserver* observer = options_.observer; observer != nullptr) {
    const google::protobuf::FieldDescriptor* field =
        command.GetDescriptor()->FindFieldByNumber(command.command_case());
    done = [observer, start = absl::Now(),
            name = field != nullptr ? field->message_type()->name()
                                    : std::string("unset"),
            done = std::move(done)](
               absl::StatusOr<eventstore::AppendResult> result) mutable {
      observer->OnCommandDone(name, result.status(),
                              result.ok() && result->replayed,
                              absl::Now() - start);
      done(std::move(result));
    };
  }
  if (principal == domain::kSchedulerPrincipal) {
    done(absl::PermissionDeniedError(
        absl::StrCat("the principal ", principal, " is reserved")));
    return;
  }
  std::string fingerprint = CommandFingerprint(meta, command);
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_) {
      queue_.push_back(CommandItem{std::move(principal), std::move(meta),
                                   std::move(command), std::move(fingerprint),
                                   std::move(done)});
      return;
    }
  }
  done(absl::UnavailableError("the server is shutting down"));
}

void CommandProcessor::Read(absl::AnyInvocable<void(AggregateCache&)> read) {
  Enqueue(ReadItem{std::move(read)});
}

void CommandProcessor::RunDeadlines(
    absl::AnyInvocable<void(absl::StatusOr<int>)> done) {
  Enqueue(DeadlinesItem{std::move(done)});
}

void CommandProcessor::Run() {
  while (true) {
    Item item;
    {
      absl::MutexLock lock(&mu_);
      // Stopping waits for the appends in flight: their completions arrive
      // through the queue.
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !queue_.empty() || (stopping_ && appends_in_flight_ == 0);
      };
      mu_.Await(absl::Condition(&ready));
      if (queue_.empty()) return;
      item = std::move(queue_.front());
      queue_.pop_front();
    }
    std::visit([this](auto& i) { Handle(i); }, item);
    cache_.Trim();
  }
}

void CommandProcessor::Handle(ReadItem& item) {
  // The cache may still hold events of the failed append: wait for the
  // reload.
  if (draining_) {
    held_.push_back(std::move(item));
    return;
  }
  item.read(cache_);
}

void CommandProcessor::Handle(CommandItem& item) {
  if (draining_) {
    held_.push_back(std::move(item));
    return;
  }
  const std::string key = CommandKey(item.principal, item.meta.command_id());

  // A retry: of a command still in flight, or of one committed earlier.
  if (!key.empty()) {
    if (auto it = in_flight_.find(key); it != in_flight_.end()) {
      if (it->second.fingerprint != item.fingerprint) {
        item.done(IdempotencyKeyReused(item.principal, item.meta.command_id()));
      } else {
        it->second.retries.push_back(std::move(item.done));
      }
      return;
    }
    absl::StatusOr<std::optional<eventstore::CommandOutcome>> earlier =
        log_->LookupCommand(item.principal, item.meta.command_id());
    if (!earlier.ok()) {
      item.done(earlier.status());
      return;
    }
    if (earlier->has_value()) {
      if ((*earlier)->fingerprint != item.fingerprint) {
        item.done(IdempotencyKeyReused(item.principal, item.meta.command_id()));
      } else {
        item.done((*earlier)->result);
      }
      return;
    }
  }

  if (item.meta.has_expected_version()) {
    const std::string target = domain::TargetStreamId(item.command);
    std::optional<domain::AggregateRef> ref = domain::ParseStreamId(target);
    if (ref.has_value()) {
      absl::StatusOr<std::optional<uint64_t>> version =
          cache_.StreamVersion(*ref);
      if (!version.ok()) {
        item.done(version.status());
        return;
      }
      absl::Status expected = eventstore::CheckExpectedVersion(
          target, FromApi(item.meta.expected_version()), *version);
      if (!expected.ok()) {
        item.done(expected);
        return;
      }
    }
  }

  domain::DecisionContext context;
  context.state = &cache_;
  context.now_us =
      options_.clock_us ? options_.clock_us() : absl::ToUnixMicros(absl::Now());
  context.principal = item.principal;
  context.store_empty = store_empty_;
  absl::StatusOr<domain::Decision> decision =
      domain::Decide(item.meta, item.command, context);
  if (absl::Status load = cache_.TakeLoadError(); !load.ok()) {
    item.done(load);  // the state could not be read: decide nothing
    return;
  }
  if (!decision.ok()) {
    item.done(decision.status());
    return;
  }
  Append(item.principal, item.meta, key, item.fingerprint, *decision,
         std::move(item.done));
}

void CommandProcessor::Append(const std::string& principal,
                              const v1::CommandMeta& meta,
                              const std::string& command_key,
                              const std::string& fingerprint,
                              const domain::Decision& decision, Done done) {
  eventstore::AppendRequest request;
  request.principal = principal;
  request.command_id = meta.command_id();
  request.fingerprint = fingerprint;
  request.acting_person = meta.acting_person();
  request.correlation_id = meta.correlation_id();
  request.causation_id = meta.causation_id();

  // Exact expected versions, taken before the decision is folded: the store
  // double-checks that this process's view of every stream is current.
  for (const std::string& stream_id : decision.Streams()) {
    std::optional<domain::AggregateRef> ref = domain::ParseStreamId(stream_id);
    if (!ref.has_value()) {
      absl::Status error = absl::InternalError(
          absl::StrCat("the domain decided an event on '", stream_id,
                       "', which is not an aggregate stream"));
      done(error);
      return;
    }
    absl::StatusOr<std::optional<uint64_t>> version =
        cache_.StreamVersion(*ref);
    if (!version.ok()) {
      done(version.status());
      return;
    }
    eventstore::StreamAppend& append = request.streams.emplace_back();
    append.stream_id = stream_id;
    append.expected = version->has_value()
                          ? eventstore::ExpectedVersion::Exact(**version)
                          : eventstore::ExpectedVersion::NoStream();
  }
  for (const domain::DomainEvent& event : decision.events) {
    for (eventstore::StreamAppend& append : request.streams) {
      if (append.stream_id != event.stream_id) continue;
      eventstore::NewEvent& out = append.events.emplace_back();
      out.type = event.type;
      out.tags = event.tags;
      out.main = event.main;
      if (event.personal.ByteSizeLong() > 0) {
        out.personal = DeterministicBytes(event.personal);
      }
      out.effective_at_us = event.effective_at_us;
      break;
    }
  }

  absl::StatusOr<std::vector<std::string>> pinned =
      cache_.ApplyDecided(decision);
  if (!pinned.ok()) {
    // Partly folded: the cache can no longer be trusted.
    draining_ = true;
    done(pinned.status());
    MaybeReload();
    return;
  }
  store_empty_ = false;
  if (!command_key.empty()) in_flight_[command_key].fingerprint = fingerprint;
  ++appends_in_flight_;
  log_->Append(
      std::move(request),
      [this, command_key, pinned = *std::move(pinned), done = std::move(done)](
          absl::StatusOr<eventstore::AppendResult> result) mutable {
        // Queued before the caller learns the outcome, so that whatever the
        // caller does next (a read, a retry) is handled after it: never
        // against the events of a failed append, never joined to it.
        Enqueue(CommittedItem{command_key, std::move(pinned), result});
        done(std::move(result));
      });
}

void CommandProcessor::Handle(CommittedItem& item) {
  --appends_in_flight_;
  cache_.Unpin(item.pinned);
  if (!item.command_key.empty()) {
    if (auto it = in_flight_.find(item.command_key); it != in_flight_.end()) {
      for (Done& retry : it->second.retries) {
        if (item.result.ok()) {
          eventstore::AppendResult replayed = *item.result;
          replayed.replayed = true;
          retry(std::move(replayed));
        } else {
          retry(item.result.status());
        }
      }
      in_flight_.erase(it);
    }
  }
  if (!item.result.ok()) draining_ = true;
  MaybeReload();
}

void CommandProcessor::MaybeReload() {
  if (!draining_ || appends_in_flight_ > 0) return;
  // Every append in flight has completed: reload lazily from the log, then
  // decide what was held back, in order.
  cache_.Clear();
  draining_ = false;
  store_empty_ = log_->GetChainHead().position == 0;
  std::deque<std::variant<CommandItem, ReadItem>> held = std::move(held_);
  held_.clear();
  for (auto& item : held) std::visit([this](auto& i) { Handle(i); }, item);
}

void CommandProcessor::Handle(DeadlinesItem& item) {
  if (draining_) {
    item.done(absl::UnavailableError(
        "the processor is reloading after a failed commit; retry"));
    return;
  }
  const int64_t now =
      options_.clock_us ? options_.clock_us() : absl::ToUnixMicros(absl::Now());
  std::vector<domain::Decision> due;
  absl::Status status = [&]() -> absl::Status {
    absl::StatusOr<std::vector<std::string>> programs =
        log_->ListStreams(domain::ProgramStream(""), "", SIZE_MAX);
    if (!programs.ok()) return programs.status();
    for (const std::string& stream_id : *programs) {
      std::optional<domain::AggregateRef> ref =
          domain::ParseStreamId(stream_id);
      if (!ref.has_value()) continue;
      const v1::ProgramState* program = cache_.FindProgram(ref->id);
      // A program not found without a load error is skipped, not the end.
      if (program == nullptr) {
        if (absl::Status e = cache_.TakeLoadError(); !e.ok()) return e;
        continue;
      }
      // Complete even for a policy recorded before a field was added.
      const v1::ProgramPolicy policy =
          domain::EffectivePolicy(program->policy());
      for (const std::string& account_id : program->active_key_account_ids()) {
        const v1::AccountState* account = cache_.FindAccount(account_id);
        if (account == nullptr) {
          if (absl::Status e = cache_.TakeLoadError(); !e.ok()) return e;
          continue;
        }
        std::vector<domain::DomainEvent> events =
            domain::AccountDeadlines(*account, policy, now);
        if (!events.empty()) due.push_back({std::move(events)});
        for (const std::string& escalation_id :
             account->open_escalation_ids()) {
          const v1::EscalationState* escalation =
              cache_.FindEscalation(escalation_id);
          if (escalation == nullptr) {
            if (absl::Status e = cache_.TakeLoadError(); !e.ok()) return e;
            continue;
          }
          std::vector<domain::DomainEvent> timeouts =
              domain::EscalationDeadlines(*escalation, policy, now);
          if (!timeouts.empty()) due.push_back({std::move(timeouts)});
        }
      }
    }
    return absl::OkStatus();
  }();
  if (!status.ok()) {
    item.done(status);
    return;
  }
  if (due.empty()) {
    item.done(0);
    return;
  }

  // Completes `done` once every deadline append has committed.
  struct Pending {
    std::atomic<int> remaining;
    std::atomic<int> events{0};
    absl::Mutex mu;
    absl::Status first_error ABSL_GUARDED_BY(mu);
    absl::AnyInvocable<void(absl::StatusOr<int>)> done;
  };
  auto pending = std::make_shared<Pending>();
  pending->remaining = static_cast<int>(due.size());
  pending->done = std::move(item.done);
  const v1::CommandMeta system_meta;
  for (const domain::Decision& decision : due) {
    const int count = static_cast<int>(decision.events.size());
    Append(std::string(domain::kSchedulerPrincipal), system_meta, "", "",
           decision,
           [pending, count](absl::StatusOr<eventstore::AppendResult> result) {
             if (result.ok()) {
               pending->events += count;
             } else {
               absl::MutexLock lock(&pending->mu);
               if (pending->first_error.ok()) {
                 pending->first_error = result.status();
               }
             }
             if (--pending->remaining > 0) return;
             absl::Status error;
             {
               absl::MutexLock lock(&pending->mu);
               error = pending->first_error;
             }
             if (error.ok()) {
               pending->done(pending->events.load());
             } else {
               pending->done(error);
             }
           });
  }
}

}  // namespace kamgov::services
