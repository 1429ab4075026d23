#ifndef KAMGOV_DOMAIN_DAYS_H_
#define KAMGOV_DOMAIN_DAYS_H_

// UTC calendar days. DOMAIN.md counts every deadline in whole UTC days; the
// domain stamps day numbers into event payloads so that a fold never
// depends on a clock. Day 0 is 1970-01-01. Pure; any thread.

#include <cstdint>
#include <string>

namespace kamgov::domain {

inline constexpr int64_t kMicrosPerDay = int64_t{86400} * 1000 * 1000;

// The UTC day containing `micros` (microseconds since the epoch).
int64_t DayOf(int64_t micros);

// Microseconds at the start (00:00 UTC) of `day`.
int64_t DayStartMicros(int64_t day);

// `day` plus `months` calendar months, clamped to the end of the month
// (Jan 31 + 1 month = Feb 28/29).
int64_t AddMonths(int64_t day, int months);

// Day number of a calendar date.
int64_t DayFromCivil(int year, int month, int day_of_month);

// "YYYY-MM-DD".
std::string FormatDay(int64_t day);

}  // namespace kamgov::domain

#endif  // KAMGOV_DOMAIN_DAYS_H_
