// Which libfabric provider and which NICs the ofi net uses. The first provider of
// efa, verbs;ofi_rxm, tcp;ofi_rxm, shm that fi_getinfo offers with reliable datagram (FI_EP_RDM)
// tagged messaging wins; FCCL_NET_PROVIDER names one exactly instead. Each distinct domain of that
// provider is a device (a NIC); FCCL_NET_IFACE=name[,name...] keeps only the domains (or NICs)
// so named. Without it, loopback domains come last, so device 0 is a real NIC where there is one.
#pragma once

#include <string>
#include <vector>

#include "common/expected.h"
#include "fccl/fccl_net.h"
#include "transports/scaleout/fi_ptr.h"

namespace fccl {

struct ProviderChoice {
  std::string provider;            // "tcp;ofi_rxm"
  std::vector<FiInfoPtr> devices;  // one fi_info (next == NULL) per device, in device order
  bool rma = false;                // the provider also offers FI_RMA on device 0's domain
  std::string why;                 // how it was chosen, for the log
};

// Reads FCCL_NET_PROVIDER and FCCL_NET_IFACE. Errors say what libfabric offers instead.
Expected<ProviderChoice> chooseProvider();

// The hints every query uses: RDM, tagged + msg, the memory registration modes and contexts the
// net handles, one lock per domain (the net serialises its calls).
FiInfoPtr makeHints(const char* provider, const char* domain, uint64_t extraCaps);

// Fills what fi_info says about a device (name, PCI path, speed, ...). `rma` from the choice.
void describeDevice(const fi_info& info, bool rma, fcclNetProperties_v1_t* props);

}  // namespace fccl
