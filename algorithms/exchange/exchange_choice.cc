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

Expected<ExchangeChoice> chooseExchange(std::string_view forced, const ExchangeShape& shape, size_t bytesPerRank,
                                        const Status& noHierarchy) {
  if (forced == "direct") return ExchangeChoice{"direct", "forced by FCCL_ALGO=direct"};
  if (forced == "hier") {
    if (!shape.hierarchy) return Status(noHierarchy.code(), noHierarchy.message());
    return ExchangeChoice{"hier", "forced by FCCL_ALGO=hier (" + shapeText(shape) + ")"};
  }
  if (!hierarchicalCandidate(forced, shape))
    return ExchangeChoice{"direct", shape.hierarchy ? shapeText(shape) + ": no second level to aggregate over"
                                                    : "no even scale-up domains"};
  if (bytesPerRank < kHierExchangeMinBytes)
    return ExchangeChoice{"direct", std::to_string(bytesPerRank) + " B per rank is under " +
                                        std::to_string(kHierExchangeMinBytes) +
                                        " B: one hop beats aggregating on the rails"};
  return ExchangeChoice{"hier", std::to_string(bytesPerRank) + " B per rank over " + shapeText(shape) +
                                    ": one scale-out message per (domain, rail) pair instead of one per pair of ranks"};
}

}  // namespace fccl
