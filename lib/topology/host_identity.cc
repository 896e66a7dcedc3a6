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

std::string linkTarget(const char* path) {
  char target[PATH_MAX] = {};
  const ssize_t n = readlink(path, target, sizeof(target) - 1);
  return n > 0 ? std::string(target, static_cast<size_t>(n)) : std::string("?");
}

}  // namespace

uint64_t localKernelIdentity() {
  return identityHash(firstLine("/proc/sys/kernel/random/boot_id") + "/" + linkTarget("/proc/self/ns/pid"));
}

HostIdentity localHostIdentity() {
  if (auto id = envString("FCCL_HOST_ID")) return {identityHash(*id), "FCCL_HOST_ID=" + *id};
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  const std::string description =
      std::string(host) + "/boot " + firstLine("/proc/sys/kernel/random/boot_id") + "/" + linkTarget("/proc/self/ns/net");
  return {identityHash(description), description};
}

}  // namespace fccl
