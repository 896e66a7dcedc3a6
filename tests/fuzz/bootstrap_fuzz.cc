// libFuzzer target: bytes off a bootstrap socket. The first byte picks the job size, the next
// 24 are a message header, the rest its payload. Whatever arrives, parsing either fails with a
// Status or yields a header within its limits, and the payload decoders never read past what
// they were given (ASan watches).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "bootstrap/messages.h"
#include "bootstrap/wire.h"

using namespace fccl::bootstrap;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint32_t nranks = 1u + data[0];
  const auto bytes = std::as_bytes(std::span(data + 1, size - 1));
  auto header = parseHeader(bytes.first(std::min(bytes.size(), kHeaderBytes)), nranks, "fuzz");
  if (!header.isOk()) return 0;
  if (header->length > maxPayload(header->type)) std::abort();  // the check let an oversized message through
  if (header->sender >= nranks && header->sender != kRootSender) std::abort();
  const auto payload = bytes.subspan(kHeaderBytes);
  Message message{*header, std::vector<std::byte>(payload.begin(), payload.end())};
  (void)decodeHello(message, "fuzz");
  (void)decodeTable(payload, nranks, "fuzz");
  (void)decodeError(payload, "fuzz");
  return 0;
}
