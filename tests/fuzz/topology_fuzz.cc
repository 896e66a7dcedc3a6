// libFuzzer target: a topology file (FCCL_TOPO_FILE). Any text either fails with a message or
// gives a file whose every rank has a host, a domain and a place.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "topology/topology_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto file = fccl::parseTopology(text, "fuzz.json");
  if (!file.isOk()) return 0;
  const int ranks = file->ranks();
  if (ranks < 1 || file->hosts.empty()) std::abort();
  if (ranks > 4096) return 0;  // a valid file for a huge job: placing it is not the parser's risk
  if (fccl::placesOf(*file, 1).size() != static_cast<size_t>(ranks)) std::abort();
  for (int r = 0; r < ranks; ++r) {
    int local = -1;
    const fccl::TopoHost& host = file->hostOf(r, &local);
    if (local < 0 || local >= host.ranks || host.domain.empty()) std::abort();
    (void)file->nicOf(r);
  }
  return 0;
}
