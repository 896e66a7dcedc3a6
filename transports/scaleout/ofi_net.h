// The built-in net: fccl_net.h over libfabric (ofi_provider.h picks the provider and NICs,
// ofi_device.h drives one NIC, ofi_comm.h holds the connection protocol).
#pragma once

#include "fccl/fccl_net.h"

namespace fccl {

// The plugin struct of the built-in net, named "ofi".
const fcclNet_v1_t& ofiNetPlugin();

}  // namespace fccl
