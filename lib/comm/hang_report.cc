#include "comm/hang_report.h"

#include <algorithm>

namespace fccl {
namespace {

std::string rankList(const std::vector<int>& ranks) {
  std::string out;
  for (int r : ranks) {
    if (!out.empty()) out += ", ";
    out += std::to_string(r);
  }
  return out;
}

}  // namespace

void HangReport::add(int rank, const bootstrap::WaitReport& report, const std::string& why, Clock::time_point now) {
  if (rank < 0 || static_cast<size_t>(rank) >= reports_.size()) return;
  if (!opened_) {
    opened_ = now;
    why_ = why;
  }
  reports_[static_cast<size_t>(rank)] = report;
}

bool HangReport::due(Clock::time_point now, std::chrono::milliseconds window) const {
  if (!opened_) return false;
  const bool all = std::all_of(reports_.begin(), reports_.end(), [](const auto& r) { return r.has_value(); });
  return all || now - *opened_ >= window;
}

std::vector<std::string> HangReport::summarize() {
  std::vector<std::string> lines;
  uint64_t latest = 0;
  for (const auto& r : reports_)
    if (r) latest = std::max(latest, r->started);
  lines.push_back("wait report of " + std::to_string(reports_.size()) + " rank(s), " + why_ + ":");
  std::vector<int> behind, silent, waiting;
  for (size_t rank = 0; rank < reports_.size(); ++rank) {
    const auto& r = reports_[rank];
    const int id = static_cast<int>(rank);
    if (!r) {
      silent.push_back(id);
      lines.push_back("  rank " + std::to_string(rank) + ": no report (dead, stopped or unreachable)");
      continue;
    }
    lines.push_back("  rank " + std::to_string(rank) + ": " + r->text);
    if (r->started < latest) behind.push_back(id);
    else if (r->busy) waiting.push_back(id);
  }
  if (latest > 0) {
    const std::string op = "operation #" + std::to_string(latest);
    if (!waiting.empty()) lines.push_back("ranks waiting in " + op + ": " + rankList(waiting));
    lines.push_back(behind.empty() ? "every rank that answered reached " + op
                                   : "ranks that did not reach " + op + ": " + rankList(behind));
  }
  if (!silent.empty()) lines.push_back("ranks that did not answer: " + rankList(silent));
  reports_.assign(reports_.size(), std::nullopt);
  opened_.reset();
  why_.clear();
  return lines;
}

}  // namespace fccl
