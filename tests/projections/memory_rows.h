#ifndef KAMGOV_TESTS_PROJECTIONS_MEMORY_ROWS_H_
#define KAMGOV_TESTS_PROJECTIONS_MEMORY_ROWS_H_

// Rows in a std::map, for unit tests of one projection's Apply and of the
// queries over its rows, without the engine. (The engine's own tests and
// every integration test use the real RocksDB-backed engine.)

#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "projections/engine.h"
#include "projections/projection.h"

namespace kamgov::projections::testing {

class MemoryRows : public RowTx, public RowSnapshot {
 public:
  // RowTx
  absl::StatusOr<std::optional<std::string>> Get(
      absl::string_view key) override {
    return Lookup(key);
  }
  void Put(absl::string_view key, absl::string_view value) override {
    rows_[std::string(key)] = std::string(value);
  }
  void Delete(absl::string_view key) override { rows_.erase(std::string(key)); }

  // RowSnapshot
  uint64_t position() const override { return position_; }
  absl::StatusOr<std::optional<std::string>> Get(
      absl::string_view key) const override {
    return Lookup(key);
  }
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> Scan(
      absl::string_view prefix, absl::string_view start_after,
      size_t limit) const override {
    std::vector<std::pair<std::string, std::string>> out;
    auto it = start_after.empty() ? rows_.lower_bound(std::string(prefix))
                                  : rows_.upper_bound(std::string(start_after));
    for (; it != rows_.end() && out.size() < limit; ++it) {
      if (!absl::StartsWith(it->first, prefix)) break;
      out.push_back(*it);
    }
    return out;
  }

  // Applies `event` through `projection` and flushes, as one engine batch.
  absl::Status ApplyAndFlush(Projection& projection,
                             const eventstore::RecordedEvent& event) {
    absl::Status status = projection.Apply(event, *this);
    if (status.ok()) status = projection.Flush(*this);
    if (status.ok()) position_ = event.position;
    return status;
  }

  const std::map<std::string, std::string>& rows() const { return rows_; }

 private:
  std::optional<std::string> Lookup(absl::string_view key) const {
    auto it = rows_.find(std::string(key));
    if (it == rows_.end()) return std::nullopt;
    return it->second;
  }

  std::map<std::string, std::string> rows_;
  uint64_t position_ = 0;
};

}  // namespace kamgov::projections::testing

#endif  // KAMGOV_TESTS_PROJECTIONS_MEMORY_ROWS_H_
