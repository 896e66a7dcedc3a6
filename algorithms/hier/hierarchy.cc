#include "algorithms/hier/hierarchy.h"

#include <string>

namespace fccl {

Ring Hierarchy::local() const { return Ring(localOrder, self); }
Ring Hierarchy::rail() const { return Ring(railOrder, self); }

Expected<Hierarchy> makeHierarchy(std::span<const int> ringOrder, std::span<const int> domainOf, int self) {
  // The domains in ring order, each a list of its ranks in ring order.
  std::vector<std::vector<int>> domains;
  std::vector<int> domainIds;
  for (int rank : ringOrder) {
    const int id = domainOf[static_cast<size_t>(rank)];
    if (domainIds.empty() || domainIds.back() != id) {
      for (int seen : domainIds)
        if (seen == id) return Status(Code::kInternal, "the ring order splits scale-up domain " + std::to_string(id));
      domainIds.push_back(id);
      domains.emplace_back();
    }
    domains.back().push_back(rank);
  }
  std::string sizes;
  bool even = true;
  for (const auto& d : domains) {
    even = even && d.size() == domains.front().size();
    sizes += (sizes.empty() ? "" : ", ") + std::to_string(d.size());
  }
  if (!even)
    return Status(Code::kInvalidUsage, "a hierarchical collective needs scale-up domains of one size (here: " + sizes + ")");
  Hierarchy h;
  h.self = self;
  h.rails.resize(domains.front().size());
  for (const auto& d : domains)
    for (size_t i = 0; i < d.size(); ++i) h.rails[i].push_back(d[i]);
  for (const auto& d : domains)
    for (size_t i = 0; i < d.size(); ++i)
      if (d[i] == self) {
        h.localOrder = d;
        for (const auto& other : domains) h.railOrder.push_back(other[i]);
      }
  if (h.localOrder.empty()) return Status(Code::kInternal, "rank " + std::to_string(self) + " is not in the ring order");
  return h;
}

}  // namespace fccl
