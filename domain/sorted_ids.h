#ifndef KAMGOV_DOMAIN_SORTED_IDS_H_
#define KAMGOV_DOMAIN_SORTED_IDS_H_

// Sorted id sets kept in repeated string fields of state messages, so that
// the state's bytes do not depend on the order things happened to be
// decided in. Internal to domain/.

#include <algorithm>
#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace kamgov::domain {

inline bool ContainsSorted(
    const google::protobuf::RepeatedPtrField<std::string>& ids,
    absl::string_view id) {
  auto it = std::lower_bound(ids.begin(), ids.end(), id,
                             [](const std::string& a, absl::string_view b) {
                               return absl::string_view(a) < b;
                             });
  return it != ids.end() && *it == id;
}

inline void InsertSorted(google::protobuf::RepeatedPtrField<std::string>& ids,
                         absl::string_view id) {
  if (ContainsSorted(ids, id)) return;
  ids.Add(std::string(id));
  // Bubble the new last element into place.
  for (int i = ids.size() - 1; i > 0 && ids.Get(i) < ids.Get(i - 1); --i) {
    ids.SwapElements(i, i - 1);
  }
}

inline void EraseSorted(google::protobuf::RepeatedPtrField<std::string>& ids,
                        absl::string_view id) {
  for (int i = 0; i < ids.size(); ++i) {
    if (ids.Get(i) == id) {
      ids.DeleteSubrange(i, 1);
      return;
    }
  }
}

}  // namespace kamgov::domain

#endif  // KAMGOV_DOMAIN_SORTED_IDS_H_
