#include "domain/days.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"

namespace kamgov::domain {
namespace {

const absl::CivilDay kEpoch(1970, 1, 1);

absl::CivilDay ToCivil(int64_t day) { return kEpoch + day; }

}  // namespace

int64_t DayOf(int64_t micros) {
  int64_t day = micros / kMicrosPerDay;
  if (micros % kMicrosPerDay < 0) --day;  // floor for times before 1970
  return day;
}

int64_t DayStartMicros(int64_t day) { return day * kMicrosPerDay; }

int64_t AddMonths(int64_t day, int months) {
  const absl::CivilDay civil = ToCivil(day);
  const absl::CivilMonth month = absl::CivilMonth(civil) + months;
  const int64_t days_in_month =
      absl::CivilDay(month + 1) - absl::CivilDay(month);
  const int64_t day_of_month = std::min<int64_t>(civil.day(), days_in_month);
  return (absl::CivilDay(month) + (day_of_month - 1)) - kEpoch;
}

int64_t DayFromCivil(int year, int month, int day_of_month) {
  return absl::CivilDay(year, month, day_of_month) - kEpoch;
}

std::string FormatDay(int64_t day) {
  const absl::CivilDay civil = ToCivil(day);
  return absl::StrFormat("%04d-%02d-%02d", civil.year(), civil.month(),
                         civil.day());
}

}  // namespace kamgov::domain
