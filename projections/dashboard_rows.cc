#include "projections/dashboard_rows.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "domain/days.h"
#include "domain/policy.h"

namespace kamgov::projections {

// ------------------------------------------------------------------ keys --

std::string OrderedInt64(int64_t value) {
  const uint64_t bits = static_cast<uint64_t>(value) ^ (uint64_t{1} << 63);
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<char>((bits >> (56 - 8 * i)) & 0xff);
  }
  return out;
}

absl::StatusOr<int64_t> ParseOrderedInt64(absl::string_view bytes) {
  if (bytes.size() != 8) {
    return absl::DataLossError("a stored number is not 8 bytes");
  }
  uint64_t bits = 0;
  for (char c : bytes) bits = (bits << 8) | static_cast<uint8_t>(c);
  return static_cast<int64_t>(bits ^ (uint64_t{1} << 63));
}

std::string EnumByte(int value) {
  return std::string(1, static_cast<char>(static_cast<uint8_t>(value)));
}

std::string SkipBlock(absl::string_view block) {
  std::string key(block.substr(0, block.size() - 1));
  key.push_back('\x01');
  return key;
}

std::string ClassJump(absl::string_view index, absl::string_view program_id,
                      int row_class, int wanted_class) {
  const std::string program_block = absl::StrCat(index, program_id, kSep);
  if (row_class < wanted_class) {
    return absl::StrCat(program_block, EnumByte(wanted_class));
  }
  return SkipBlock(program_block);
}

void ReplaceRows(const std::vector<Row>& before, const std::vector<Row>& after,
                 RowTx& rows) {
  for (const Row& old_row : before) {
    const bool kept =
        std::any_of(after.begin(), after.end(),
                    [&](const Row& row) { return row.first == old_row.first; });
    if (!kept) rows.Delete(old_row.first);
  }
  for (const Row& row : after) {
    const bool unchanged =
        std::any_of(before.begin(), before.end(), [&](const Row& old_row) {
          return old_row.first == row.first && old_row.second == row.second;
        });
    if (!unchanged) rows.Put(row.first, row.second);
  }
}

absl::Status RowDoesNotParse(absl::string_view key, absl::string_view type) {
  return absl::DataLossError(absl::StrCat(
      "read-model row ", absl::CHexEscape(key), " does not parse as ", type));
}

// -------------------------------------------------------------- counters --

std::string EncodeCounter(int64_t value) { return OrderedInt64(value); }

absl::StatusOr<int64_t> DecodeCounter(absl::string_view value) {
  return ParseOrderedInt64(value);
}

void Counters::Add(absl::string_view key, int64_t delta) {
  deltas_[key] += delta;
}

void Counters::Move(const std::vector<std::string>& before,
                    const std::vector<std::string>& after) {
  for (const std::string& key : before) Add(key, -1);
  for (const std::string& key : after) Add(key, +1);
}

absl::Status Counters::Flush(RowTx& rows) {
  for (const auto& [key, delta] : deltas_) {
    if (delta == 0) continue;
    absl::StatusOr<std::optional<std::string>> stored = rows.Get(key);
    if (!stored.ok()) return stored.status();
    int64_t value = 0;
    if (stored->has_value()) {
      absl::StatusOr<int64_t> decoded = DecodeCounter(**stored);
      if (!decoded.ok()) return decoded.status();
      value = *decoded;
    }
    value += delta;
    if (value == 0) {
      rows.Delete(key);
    } else {
      rows.Put(key, EncodeCounter(value));
    }
  }
  deltas_.clear();
  return absl::OkStatus();
}

absl::StatusOr<std::map<std::string, int64_t>> ReadCounters(
    const RowSnapshot& rows, absl::string_view prefix) {
  std::map<std::string, int64_t> out;
  std::string after;
  while (true) {
    auto batch = rows.Scan(prefix, after, 1024);
    if (!batch.ok()) return batch.status();
    for (const auto& [key, value] : *batch) {
      absl::StatusOr<int64_t> count = DecodeCounter(value);
      if (!count.ok()) return count.status();
      out[key.substr(prefix.size())] = *count;
    }
    if (batch->size() < 1024) return out;
    after = batch->back().first;
  }
}

// ------------------------------------------------------------ projection --

bool IsProgramStreamType(absl::string_view type) {
  return type == "ProgramEstablished" || type == "ProgramPolicySet" ||
         type == "SelectionCriteriaPublished" ||
         type == "SelectionCycleOpened" || type == "SelectionCycleClosed";
}

bool IsPersonStreamType(absl::string_view type) {
  return type == "PersonRegistered" || type == "GovernanceRoleGranted" ||
         type == "GovernanceRoleRevoked" || type == "PersonDeparted";
}

DashboardProjection::DashboardProjection(
    std::vector<domain::AggregateKind> kinds, TypeSet types)
    : aggregates_(std::move(kinds)),
      programs_({domain::AggregateKind::kProgram}),
      types_(std::move(types)) {}

absl::Status DashboardProjection::Apply(const eventstore::RecordedEvent& event,
                                        RowTx& rows) {
  const std::string& type = event.record.type();
  if (IsProgramStreamType(type)) {
    absl::Status folded = programs_.Fold(event, rows);
    if (!folded.ok()) return folded;
  }
  if (!types_.contains(type)) return absl::OkStatus();
  return aggregates_.Fold(event, rows);
}

absl::Status DashboardProjection::Flush(RowTx& rows) {
  // Once per aggregate the batch changed (aggregate_rows.h says why that
  // equals once per event).
  for (const AggregateChange& change : aggregates_.TakeChanges()) {
    absl::Status status = OnChange(change, rows);
    if (!status.ok()) return status;
  }
  programs_.TakeChanges();  // queries read program states, not changes
  absl::Status status = programs_.Flush(rows);
  if (status.ok()) status = aggregates_.Flush(rows);
  if (status.ok()) status = counters_.Flush(rows);
  return status;
}

void DashboardProjection::ResetBatch() {
  programs_.Reset();
  aggregates_.Reset();
  counters_.Reset();
}

// ---------------------------------------------------------------- queries --

int32_t ProgramInfo::criteria_version() const {
  return state.criteria().empty() ? 0 : state.criteria().rbegin()->version();
}

int32_t ProgramInfo::max_key_accounts() const {
  return state.criteria().empty()
             ? 0
             : state.criteria().rbegin()->max_key_accounts();
}

absl::StatusOr<std::map<std::string, ProgramInfo>> LoadPrograms(
    const RowSnapshot& rows, absl::string_view program_id) {
  std::map<std::string, ProgramInfo> out;
  auto add = [&out](absl::string_view key,
                    absl::string_view value) -> absl::Status {
    absl::StatusOr<v1::ProgramState> state =
        ParseRow<v1::ProgramState>(key, value);
    if (!state.ok()) return state.status();
    if (!Exists(*state)) return absl::OkStatus();
    ProgramInfo& info = out[state->program_id()];
    info.policy = domain::EffectivePolicy(state->policy());
    info.state = *std::move(state);
    return absl::OkStatus();
  };
  if (!program_id.empty()) {
    const std::string key =
        AggregateRows::StateKey(domain::AggregateKind::kProgram, program_id);
    absl::StatusOr<std::optional<std::string>> value = rows.Get(key);
    if (!value.ok()) return value.status();
    if (value->has_value()) {
      absl::Status status = add(key, **value);
      if (!status.ok()) return status;
    }
    if (out.empty()) {
      return ErrorWithReason(
          absl::StatusCode::kNotFound,
          absl::StrCat("no program '", program_id, "'"), "PROGRAM_NOT_FOUND",
          {{"field", "program_id"}, {"id", std::string(program_id)}});
    }
    return out;
  }
  const std::string prefix =
      AggregateRows::StateKey(domain::AggregateKind::kProgram, "");
  std::string after;
  while (true) {
    auto batch = rows.Scan(prefix, after, 256);
    if (!batch.ok()) return batch.status();
    for (const auto& [key, value] : *batch) {
      absl::Status status = add(key, value);
      if (!status.ok()) return status;
    }
    if (batch->size() < 256) return out;
    after = batch->back().first;
  }
}

const v1::ProgramPolicy& PolicyOf(
    const std::map<std::string, ProgramInfo>& programs,
    absl::string_view program_id) {
  static const v1::ProgramPolicy* const kDefault =
      new v1::ProgramPolicy(domain::DefaultPolicy());
  auto it = programs.find(std::string(program_id));
  return it == programs.end() ? *kDefault : it->second.policy;
}

absl::StatusOr<std::string> ScanPage(const RowSnapshot& rows,
                                     absl::string_view prefix,
                                     absl::string_view start_after,
                                     const QueryContext& context,
                                     RowVisitor visit) {
  const size_t page = std::max<size_t>(context.page_size, 1);
  const size_t budget = std::max<size_t>(context.scan_budget, 1);
  std::string cursor(start_after);
  size_t taken = 0;
  size_t scanned = 0;
  while (true) {
    // One row more than the page still needs: it tells whether a next
    // page exists without another scan.
    const size_t chunk = std::min<size_t>(page - taken + 1, 1024);
    auto batch = rows.Scan(prefix, cursor, chunk);
    if (!batch.ok()) return batch.status();
    bool jumped = false;
    for (const auto& [key, value] : *batch) {
      if (taken == page || scanned == budget) return EncodePageToken(cursor);
      ++scanned;
      std::string jump;
      absl::StatusOr<RowVerdict> verdict = visit(key, value, &jump);
      if (!verdict.ok()) return verdict.status();
      if (*verdict == RowVerdict::kStop) return EncodePageToken(cursor);
      if (*verdict == RowVerdict::kTake) ++taken;
      if (!jump.empty() && jump > key) {
        cursor = std::move(jump);
        jumped = true;
        break;
      }
      cursor = key;
    }
    if (!jumped && batch->size() < chunk) return std::string();
  }
}

std::string EncodePageToken(absl::string_view key) {
  return absl::WebSafeBase64Escape(key);
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view token,
                                            absl::string_view prefix) {
  if (token.empty()) return std::string();
  std::string key;
  if (!absl::WebSafeBase64Unescape(token, &key) ||
      !absl::StartsWith(key, prefix)) {
    return InvalidArgument(
        {{"page_token",
          "not a token of this query with these filters; pass back "
          "next_page_token unchanged, with the same filters"}});
  }
  return key;
}

void FilterCheck::Id(absl::string_view field, absl::string_view id) {
  if (!id.empty() && !domain::IsValidId(id)) {
    Fail(field,
         "not a valid id (1 to 117 characters of A-Z a-z 0-9 . _ : @ -)");
  }
}

void FilterCheck::Enum(absl::string_view field, int value, bool (*valid)(int)) {
  if (value != 0 && !valid(value)) {
    Fail(field, absl::StrCat("unknown value ", value));
  }
}

void FilterCheck::Fail(absl::string_view field, absl::string_view description) {
  violations_.push_back({std::string(field), std::string(description)});
}

absl::Status FilterCheck::Done() {
  if (violations_.empty()) return absl::OkStatus();
  return InvalidArgument(std::move(violations_));
}

int64_t Today(const QueryContext& context) {
  return domain::DayOf(context.now_us);
}

}  // namespace kamgov::projections
