#include "topology/domain_identity.h"

#include <unistd.h>

#include <climits>
#include <fstream>

#include "common/env.h"
#include "topology/identity_hash.h"

namespace fccl {
namespace {

std::string firstLine(const char* path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string link(const char* path) {
  char target[PATH_MAX] = {};
  const ssize_t n = readlink(path, target, sizeof(target) - 1);
  return n > 0 ? std::string(target, static_cast<size_t>(n)) : std::string("?");
}

}  // namespace

DomainIdentity localDomainIdentity(const HostIdentity& host, const std::string& deviceFabricId) {
  if (auto name = envString("FCCL_SCALEUP_DOMAIN"); name && !name->empty())
    return {identityHash("domain:" + *name), "FCCL_SCALEUP_DOMAIN=" + *name};
  if (!deviceFabricId.empty()) return {identityHash("fabric:" + deviceFabricId), "device fabric " + deviceFabricId};
  char name[256] = {};
  gethostname(name, sizeof(name) - 1);
  return {identityHash("host-domain:" + std::to_string(host.hash)), std::string("host ") + name};
}

uint64_t localKernelIdentity() {
  return identityHash(firstLine("/proc/sys/kernel/random/boot_id") + "/" + link("/proc/self/ns/pid"));
}

}  // namespace fccl
