#include "bench/report.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace kamgov::bench {
namespace {

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += "\"";
  return out;
}

}  // namespace

std::optional<double> Figure::ratio() const {
  if (!baseline.has_value() || *baseline == 0) return std::nullopt;
  return value / *baseline;
}

std::optional<bool> Figure::target_met() const {
  if (!target.has_value()) return std::nullopt;
  double measured = value;
  if (target->of == Target::Of::kRatio) {
    std::optional<double> r = ratio();
    if (!r.has_value()) return std::nullopt;
    measured = *r;
  }
  return target->cmp == Target::Cmp::kAtLeast ? measured >= target->threshold
                                              : measured <= target->threshold;
}

std::string FormatNumber(double value) {
  if (!std::isfinite(value)) return "null";
  const double magnitude = std::fabs(value);
  if (magnitude >= 1000) return absl::StrFormat("%.0f", value);
  if (magnitude >= 100) return absl::StrFormat("%.1f", value);
  if (magnitude >= 1) return absl::StrFormat("%.2f", value);
  return absl::StrFormat("%.4f", value);
}

std::string FormatJsonLine(const Figure& figure) {
  std::string line =
      absl::StrCat("{\"scenario\": ", JsonString(figure.scenario),
                   ", \"metric\": ", JsonString(figure.metric),
                   ", \"value\": ", FormatNumber(figure.value),
                   ", \"unit\": ", JsonString(figure.unit));
  if (figure.baseline.has_value()) {
    std::optional<double> r = figure.ratio();
    absl::StrAppend(
        &line, ", \"baseline\": ", FormatNumber(*figure.baseline),
        ", \"ratio\": ", r.has_value() ? absl::StrFormat("%.3f", *r) : "null");
  }
  line += "}";
  return line;
}

std::string DescribeTarget(const Figure& figure) {
  if (!figure.target.has_value()) return "";
  const Target& t = *figure.target;
  std::string what = t.of == Target::Of::kRatio ? "ratio" : "value";
  std::string cmp = t.cmp == Target::Cmp::kAtLeast ? ">=" : "<=";
  std::string verdict;
  std::optional<bool> met = figure.target_met();
  if (!met.has_value()) {
    verdict = "no baseline";
  } else {
    verdict = *met ? "MET" : "MISSED";
  }
  return absl::StrCat(what, " ", cmp, " ", absl::StrFormat("%.2f", t.threshold),
                      t.source.empty() ? "" : absl::StrCat(" (", t.source, ")"),
                      ": ", verdict);
}

std::string FormatTable(const std::vector<Figure>& figures) {
  const std::vector<std::string> header = {
      "metric", "value", "unit", "baseline", "ratio", "target", "baseline is"};
  std::vector<std::vector<std::string>> rows;
  for (const Figure& f : figures) {
    std::optional<double> r = f.ratio();
    rows.push_back({f.metric, FormatNumber(f.value), f.unit,
                    f.baseline.has_value() ? FormatNumber(*f.baseline) : "-",
                    r.has_value() ? absl::StrFormat("%.3f", *r) : "-",
                    DescribeTarget(f), f.baseline_label});
  }
  std::vector<size_t> width(header.size());
  for (size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      width[i] = std::max(width[i], row[i].size());
    }
  }
  // Numbers right-aligned, text left-aligned.
  auto right = [](size_t column) {
    return column == 1 || column == 3 || column == 4;
  };
  auto format_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      const std::string pad(width[i] - row[i].size(), ' ');
      if (i > 0) line += "  ";
      line += right(i) ? pad + row[i] : row[i] + pad;
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    return line + "\n";
  };
  std::string table = format_row(header);
  size_t total = 0;
  for (size_t w : width) total += w + 2;
  table += std::string(total - 2, '-') + "\n";
  for (const auto& row : rows) table += format_row(row);
  return table;
}

}  // namespace kamgov::bench
