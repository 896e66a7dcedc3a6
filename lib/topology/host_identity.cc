#include "topology/host_identity.h"

#include <unistd.h>

#include <climits>
#include <fstream>
#include <string_view>

#include "common/env.h"

namespace fccl {
namespace {

// FNV-1a: stable across processes and builds, which std::hash is not required to be.
uint64_t fnv1a(std::string_view text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char ch : text) h = (h ^ ch) * 1099511628211ull;
  return h;
}

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
  if (auto id = envString("FCCL_HOST_ID")) return {fnv1a(*id), "FCCL_HOST_ID=" + *id};
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  const std::string description =
      std::string(host) + "/boot " + firstLine("/proc/sys/kernel/random/boot_id") + "/" + netNamespace();
  return {fnv1a(description), description};
}

}  // namespace fccl
