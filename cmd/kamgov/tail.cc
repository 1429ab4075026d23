// kamgov tail: prints events as they commit.
//
//   kamgov tail [--from=start|end|POS] [--type=T,...] [--tag=account:A,...]
//               [--stream_prefix=P,...] [--follow=false] [--output=json]

#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "cmd/kamgov/client.h"
#include "cmd/kamgov/commands.h"
#include "kamgov/v1/event_stream.grpc.pb.h"

ABSL_FLAG(std::string, from, "end",
          "tail: 'start', 'end' (only new events) or a position to start at "
          "(inclusive).");
ABSL_FLAG(std::vector<std::string>, type, {}, "tail: event types to show.");
ABSL_FLAG(std::vector<std::string>, tag, {},
          "tail: tags to show, e.g. account:acme.");
ABSL_FLAG(std::vector<std::string>, stream_prefix, {},
          "tail: stream id prefixes to show, e.g. account-.");
ABSL_FLAG(bool, follow, true,
          "tail: keep following live events; false stops once caught up.");

namespace kamgov::cli {
namespace {

void PrintEvent(const kamgov::v1::Event& event) {
  if (JsonOutput()) {
    std::cout << ToJson(event) << "\n";
    return;
  }
  const kamgov::v1::EventRecord& r = event.record();
  std::cout << absl::StrFormat(
      "%8d  %s  %-28s %-28s %s\n", r.position(),
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ",
                       absl::FromUnixMicros(r.recorded_at_us()),
                       absl::UTCTimeZone()),
      absl::StrCat(r.stream_id(), "@", r.stream_version()), r.type(),
      absl::StrJoin(r.tags(), ","));
}

void PrintMarker(const char* what, uint64_t position) {
  if (JsonOutput()) {
    std::cout << absl::StrFormat(R"({"%s": %d})", what, position) << "\n";
  } else if (std::string(what) == "caught_up") {
    std::cerr << absl::StrFormat("-- caught up at position %d; following --\n",
                                 position);
  }
}

}  // namespace

int Tail(const Args&) {
  kamgov::v1::SubscribeRequest request;
  const std::string from = absl::GetFlag(FLAGS_from);
  uint64_t position = 0;
  if (from == "start") {
    request.mutable_from()->set_start(true);
  } else if (from == "end") {
    request.mutable_from()->set_end(true);
  } else if (absl::SimpleAtoi(from, &position) && position > 0) {
    request.mutable_from()->set_after(position - 1);
  } else {
    std::cerr << "--from must be start, end or a position >= 1\n";
    return 2;
  }
  for (const std::string& t : absl::GetFlag(FLAGS_type)) {
    request.mutable_filter()->add_event_types(t);
  }
  for (const std::string& t : absl::GetFlag(FLAGS_tag)) {
    request.mutable_filter()->add_tags(t);
  }
  for (const std::string& p : absl::GetFlag(FLAGS_stream_prefix)) {
    request.mutable_filter()->add_stream_prefixes(p);
  }
  const bool follow = absl::GetFlag(FLAGS_follow);

  auto stub = kamgov::v1::EventStreamService::NewStub(Connect());
  auto context = NewContext(/*streaming=*/true);
  auto reader = stub->Subscribe(context.get(), request);
  kamgov::v1::SubscribeResponse response;
  while (reader->Read(&response)) {
    switch (response.kind_case()) {
      case kamgov::v1::SubscribeResponse::kEvents:
        for (const kamgov::v1::Event& event : response.events().events()) {
          PrintEvent(event);
        }
        std::cout.flush();
        break;
      case kamgov::v1::SubscribeResponse::kCheckpoint:
        PrintMarker("checkpoint", response.checkpoint());
        break;
      case kamgov::v1::SubscribeResponse::kCaughtUp:
        PrintMarker("caught_up", response.caught_up());
        if (!follow) {
          context->TryCancel();
          reader->Finish().IgnoreError();
          return 0;
        }
        break;
      default:
        break;
    }
  }
  grpc::Status status = reader->Finish();
  return status.ok() ? 0 : PrintError(status);
}

}  // namespace kamgov::cli
