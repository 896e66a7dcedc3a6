#include "tools/fccl-sim/perf_csv.h"

#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

namespace fccl::sim {
namespace {

std::vector<std::string> fieldsOf(const std::string& line) {
  std::vector<std::string> fields;
  std::string current;
  for (char c : line) {
    if (c == ',') {
      fields.push_back(current);
      current.clear();
    } else if (c != '\r') {
      current += c;
    }
  }
  fields.push_back(current);
  return fields;
}

Status fieldError(const std::string& where, const std::string& field, const std::string& what) {
  return Status(Code::kInvalidArgument, where + ": field " + field + ": " + what);
}

template <class T>
Expected<T> number(const std::string& text, const std::string& where, const std::string& field) {
  T v{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size())
    return fieldError(where, field, "'" + text + "' is not a number");
  return v;
}

}  // namespace

Expected<std::vector<PerfPoint>> parsePerfCsv(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  std::string line;
  size_t lineNo = 0;
  std::vector<size_t> column;  // index of each needed field in the header
  const char* needed[] = {"collective", "nranks", "size_bytes", "placement", "time_us"};
  std::vector<PerfPoint> points;
  while (std::getline(in, line)) {
    ++lineNo;
    const std::string where = name + ":" + std::to_string(lineNo);
    if (line.empty() || line == "\r") continue;
    const std::vector<std::string> fields = fieldsOf(line);
    if (column.empty()) {
      for (const char* want : needed) {
        size_t i = 0;
        while (i < fields.size() && fields[i] != want) ++i;
        if (i == fields.size()) return fieldError(where, want, "missing from the header (is this an fccl-perf --csv file?)");
        column.push_back(i);
      }
      continue;
    }
    for (size_t k = 0; k < column.size(); ++k)
      if (column[k] >= fields.size())
        return fieldError(where, needed[k], "missing: the line has " + std::to_string(fields.size()) + " fields");
    PerfPoint p;
    p.where = where;
    p.collective = fields[column[0]];
    if (p.collective.empty()) return fieldError(where, "collective", "empty");
    FCCL_ASSIGN_OR_RETURN(p.nranks, number<int>(fields[column[1]], where, "nranks"));
    if (p.nranks < 1) return fieldError(where, "nranks", "must be at least 1");
    FCCL_ASSIGN_OR_RETURN(p.bytes, number<size_t>(fields[column[2]], where, "size_bytes"));
    p.placement = fields[column[3]];
    FCCL_ASSIGN_OR_RETURN(p.timeUs, number<double>(fields[column[4]], where, "time_us"));
    if (!std::isfinite(p.timeUs) || p.timeUs <= 0) return fieldError(where, "time_us", "must be a positive time");
    points.push_back(std::move(p));
  }
  if (column.empty()) return Status(Code::kInvalidArgument, name + ":1: empty file, no header");
  return points;
}

Expected<std::vector<PerfPoint>> readPerfCsv(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status(Code::kInvalidArgument, path + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  return parsePerfCsv(text.str(), path);
}

}  // namespace fccl::sim
