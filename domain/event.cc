#include "domain/event.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace kamgov::domain {

std::vector<std::string> Decision::Streams() const {
  std::vector<std::string> streams;
  for (const DomainEvent& event : events) {
    if (std::find(streams.begin(), streams.end(), event.stream_id) ==
        streams.end()) {
      streams.push_back(event.stream_id);
    }
  }
  return streams;
}

DomainEvent MakeEvent(std::string stream_id,
                      const google::protobuf::Message& payload,
                      std::vector<std::string> tags, v1::PersonalPart personal,
                      int64_t effective_at_us) {
  DomainEvent event;
  event.stream_id = std::move(stream_id);
  event.type = payload.GetDescriptor()->name();
  std::sort(tags.begin(), tags.end());
  tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
  event.tags = std::move(tags);
  event.main = payload.SerializeAsString();
  event.personal = std::move(personal);
  event.effective_at_us = effective_at_us;
  return event;
}

absl::Status ParsePayloadInto(absl::string_view type, absl::string_view main,
                              google::protobuf::Message* out) {
  if (out->GetDescriptor()->name() != type) {
    return absl::DataLossError(absl::StrCat("event type '", type, "' is not ",
                                            out->GetDescriptor()->name()));
  }
  if (!out->ParseFromArray(main.data(), static_cast<int>(main.size()))) {
    return absl::DataLossError(
        absl::StrCat("payload of a '", type, "' event does not parse"));
  }
  return absl::OkStatus();
}

absl::Span<const absl::string_view> EventTypes() {
  static constexpr absl::string_view kTypes[] = {
      "ProgramEstablished",
      "ProgramPolicySet",
      "SelectionCriteriaPublished",
      "SelectionCycleOpened",
      "SelectionCycleClosed",
      "PersonRegistered",
      "GovernanceRoleGranted",
      "GovernanceRoleRevoked",
      "PersonDeparted",
      "AccountNominated",
      "NominationRejected",
      "AccountDesignated",
      "AccountReevaluated",
      "AccountReclassified",
      "AccountDeDesignated",
      "KeyAccountManagerAssigned",
      "KeyAccountManagerReleased",
      "ExecutiveSponsorAssigned",
      "ExecutiveSponsorReleased",
      "SponsorEngagementLogged",
      "TeamMemberJoined",
      "TeamMemberLeft",
      "AccountPlanSubmitted",
      "AccountPlanReviewed",
      "AccountPlanReviewOverdue",
      "CoverageGapDetected",
      "SponsorEngagementOverdue",
      "EscalationRaised",
      "EscalationAcknowledged",
      "EscalationLevelRaised",
      "EscalationResolved",
      "EscalationWithdrawn",
  };
  return kTypes;
}

}  // namespace kamgov::domain
