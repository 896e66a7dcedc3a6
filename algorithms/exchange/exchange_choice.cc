#include "algorithms/exchange/exchange_choice.h"

namespace fccl {
namespace {

std::string shapeText(const ExchangeShape& s) {
  return std::to_string(s.domains) + " scale-up domain(s) of " + std::to_string(s.perDomain) + " rank(s)";
}

}  // namespace

bool isExchangeAlgorithm(std::string_view name) { return name == "direct" || name == "hier"; }

bool hierarchicalCandidate(std::string_view forced, const ExchangeShape& shape) {
  if (forced == "direct") return false;
  if (forced == "hier") return true;
  return shape.hierarchy && shape.domains > 1 && shape.perDomain > 1;
}

Expected<ExchangeChoice> chooseExchange(std::string_view forced, const ExchangeShape& shape, const Status& noHierarchy) {
  if (forced == "direct") return ExchangeChoice{"direct", 0, "forced by FCCL_ALGO=direct"};
  if (forced == "hier") {
    if (!shape.hierarchy) return Status(noHierarchy.code(), noHierarchy.message());
    return ExchangeChoice{"hier", SIZE_MAX, "forced by FCCL_ALGO=hier: every block between domains on the rails (" +
                                                shapeText(shape) + ")"};
  }
  if (!hierarchicalCandidate(forced, shape))
    return ExchangeChoice{"direct", 0, shape.hierarchy ? shapeText(shape) + ": no second level to aggregate over"
                                                       : "no even scale-up domains"};
  return ExchangeChoice{"hier", kRailMaxBlockBytes,
                        shapeText(shape) + ": blocks between domains up to " + std::to_string(kRailMaxBlockBytes) +
                            " B aggregated on the rails, one scale-out message per (domain, rail) pair; larger "
                            "ones straight"};
}

}  // namespace fccl
