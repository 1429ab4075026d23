#ifndef KAMGOV_PROJECTIONS_STATE_CACHE_H_
#define KAMGOV_PROJECTIONS_STATE_CACHE_H_

// Decoded states a projection keeps between engine batches, keyed by their
// row key, with the ones changed since the last flush listed so that a
// flush writes them without visiting the whole cache.
//
// Keeping states across batches is sound because the projection is the only
// writer of their rows: once a batch commits, a cached state is what its row
// holds. A failed batch must Clear(). Entries are node-based: an Item stays
// where it is until erased or cleared.
//
// Not thread-safe: owned by one projection, used by one thread at a time.

#include <string>
#include <utility>
#include <vector>

#include "absl/container/node_hash_map.h"
#include "absl/strings/string_view.h"

namespace kamgov::projections {

// Entry: the projection's own, with a `bool dirty = false` member that only
// the cache sets and clears.
template <typename Entry>
class StateCache {
 public:
  // The row key and the projection's entry for it.
  using Item = std::pair<const std::string, Entry>;

  // nullptr when `key` is not cached.
  Item* Find(const std::string& key) {
    auto it = map_.find(key);
    return it == map_.end() ? nullptr : &*it;
  }
  Item* Insert(std::string key, Entry entry) {
    return &*map_.insert_or_assign(std::move(key), std::move(entry)).first;
  }

  // Lists `item` for the next TakeDirty (once, however often it is marked).
  void MarkDirty(Item* item) {
    if (item->second.dirty) return;
    item->second.dirty = true;
    dirty_.push_back(item);
  }
  // The items marked since the last call, in the order first marked; their
  // marks are cleared.
  std::vector<Item*> TakeDirty() {
    for (Item* item : dirty_) item->second.dirty = false;
    return std::exchange(dirty_, {});
  }

  void Erase(const std::string& key) { map_.erase(key); }
  // Forgets every state (a failed batch, or a cache over its bound).
  void Clear() {
    map_.clear();
    dirty_.clear();
  }
  size_t size() const { return map_.size(); }

 private:
  absl::node_hash_map<std::string, Entry> map_;
  std::vector<Item*> dirty_;
};

}  // namespace kamgov::projections

#endif  // KAMGOV_PROJECTIONS_STATE_CACHE_H_
