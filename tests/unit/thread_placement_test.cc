// Progress threads near the rank's memory: hwloc's CPUs of this thread's NUMA node are ones the
// process may use, and a thread that places itself ends up bound to exactly the CPUs set.
#include <catch2/catch.hpp>

#include <pthread.h>
#include <sched.h>

#include <thread>

#include "common/thread_placement.h"
#include "topology/host_hardware.h"

namespace fccl::test {

TEST_CASE("the CPUs of this rank's NUMA node are CPUs the process may use", "[unit][topology]") {
  const int node = currentNumaNode();
  REQUIRE(node >= 0);
  const std::vector<int> cpus = cpusOfNumaNode(node);
  REQUIRE_FALSE(cpus.empty());
  cpu_set_t allowed;
  REQUIRE(sched_getaffinity(0, sizeof allowed, &allowed) == 0);
  for (int cpu : cpus) CHECK(CPU_ISSET(cpu, &allowed));
  CHECK(cpusOfNumaNode(1 << 20).empty());
  CHECK(cpusOfNumaNode(-1).empty());
}

TEST_CASE("a progress thread binds itself to the CPUs set for it, and to nothing when none are", "[unit][topology]") {
  auto affinityOfNewThread = [] {
    cpu_set_t set;
    CPU_ZERO(&set);
    std::thread([&] {
      placeProgressThread("test");
      pthread_getaffinity_np(pthread_self(), sizeof set, &set);
    }).join();
    return set;
  };
  cpu_set_t allowed;
  REQUIRE(sched_getaffinity(0, sizeof allowed, &allowed) == 0);
  int first = -1;
  for (int cpu = 0; cpu < CPU_SETSIZE && first < 0; ++cpu)
    if (CPU_ISSET(cpu, &allowed)) first = cpu;
  REQUIRE(first >= 0);
  setProgressCpus({first}, "a test's CPU");
  cpu_set_t placed = affinityOfNewThread();
  CHECK(CPU_COUNT(&placed) == 1);
  CHECK(CPU_ISSET(first, &placed));
  setProgressCpus({}, "");
  cpu_set_t unplaced = affinityOfNewThread();
  CHECK(CPU_EQUAL(&unplaced, &allowed));
}

}  // namespace fccl::test
