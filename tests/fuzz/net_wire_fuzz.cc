// libFuzzer target: what a scale-out peer hands us. The first byte picks the message kind: a
// connection handle (exchanged over the bootstrap), a connect message or a ctrl message (both
// off the wire). Each is checked before use; a check that passes leaves fields in range.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>

#include "transports/scaleout/ofi_wire.h"

using namespace fccl;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t kind = data[0] % 3;
  const uint8_t* body = data + 1;
  const size_t bytes = size - 1;
  if (kind == 0) {
    std::byte handle[FCCL_NET_HANDLE_MAXSIZE] = {};
    std::memcpy(handle, body, std::min(bytes, sizeof(handle)));
    auto h = decodeHandle(std::span<const std::byte, FCCL_NET_HANDLE_MAXSIZE>(handle));
    if (h.isOk() && h->addrLen > kMaxEpAddrBytes) std::abort();
  } else if (kind == 1) {
    ConnectMsg m{};
    std::memcpy(&m, body, std::min(bytes, sizeof(m)));
    if (checkConnectMsg(m, bytes, 7, 99).isOk() && m.addrLen > kMaxEpAddrBytes) std::abort();
  } else {
    CtrlMsg m{};
    std::memcpy(&m, body, std::min(bytes, sizeof(m)));
    if (checkCtrlMsg(m, bytes).isOk() && m.count > FCCL_NET_MAX_RECVS) std::abort();
  }
  return 0;
}
