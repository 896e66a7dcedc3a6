#include "topology/host_identity.h"

#include <unistd.h>

#include <climits>
#include <fstream>
#include <string_view>

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

std::string netNamespace() {
  char target[PATH_MAX] = {};
  ssize_t n = readlink("/proc/self/ns/net", target, sizeof(target) - 1);
  return n > 0 ? std::string(target, static_cast<size_t>(n)) : std::string("net:?");
}

}  // namespace

HostIdentity localHostIdentity() {
  if (auto id = envString("FCCL_HOST_ID")) return {identityHash(*id), "FCCL_HOST_ID=" + *id};
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  const std::string description =
      std::string(host) + "/boot " + firstLine("/proc/sys/kernel/random/boot_id") + "/" + netNamespace();
  return {identityHash(description), description};
}

}  // namespace fccl
