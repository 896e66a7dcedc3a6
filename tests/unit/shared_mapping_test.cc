// Scale-up segments are private to the job: mode 0600, no name in any file system (so nothing
// can be left in /dev/shm however a rank dies), and a peer's mapping must match the size the
// owner announced.
#include "transports/scaleup/shared_mapping.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <set>
#include <string>

using fccl::SharedMapping;

namespace {

std::set<std::string> shmEntries() {
  std::set<std::string> out;
  if (DIR* d = ::opendir("/dev/shm")) {
    while (dirent* e = ::readdir(d)) out.insert(e->d_name);
    ::closedir(d);
  }
  return out;
}

}  // namespace

TEST_CASE("a scale-up segment is mode 0600 and has no name in /dev/shm", "[unit][security]") {
  const auto before = shmEntries();
  auto segment = SharedMapping::create(1 << 20, "fccl-test-fifo");
  REQUIRE(segment.isOk());
  struct stat st {};
  REQUIRE(::fstat(segment->fd(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  char target[256] = {};
  const std::string link = "/proc/self/fd/" + std::to_string(segment->fd());
  REQUIRE(::readlink(link.c_str(), target, sizeof(target) - 1) > 0);
  CHECK(std::string(target).rfind("/memfd:", 0) == 0);  // anonymous: not a path anyone can open by name
  CHECK(shmEntries() == before);

  std::memset(segment->data(), 0x5a, segment->size());
  auto peer = SharedMapping::open(static_cast<int>(::getpid()), segment->fd(), 1 << 20);
  REQUIRE(peer.isOk());
  CHECK(static_cast<unsigned char*>(peer->data())[12345] == 0x5a);  // one memory, two mappings
  CHECK_FALSE(SharedMapping::open(static_cast<int>(::getpid()), segment->fd(), 1 << 21).isOk());
}
