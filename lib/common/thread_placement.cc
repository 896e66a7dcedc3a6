#include "common/thread_placement.h"

#include <pthread.h>
#include <sched.h>

#include <mutex>

#include "common/log.h"

namespace fccl {
namespace {

struct Placement {
  std::mutex mutex;
  std::vector<int> cpus;
  std::string where;
};

Placement& placement() {
  static Placement* p = new Placement;  // never destroyed: threads may start while the process exits
  return *p;
}

}  // namespace

void setProgressCpus(std::vector<int> cpus, std::string where) {
  Placement& p = placement();
  std::lock_guard lock(p.mutex);
  p.cpus = std::move(cpus);
  p.where = std::move(where);
}

void placeProgressThread(const char* thread) {
  Placement& p = placement();
  cpu_set_t set;
  CPU_ZERO(&set);
  std::string where;
  {
    std::lock_guard lock(p.mutex);
    if (p.cpus.empty()) return;
    for (int cpu : p.cpus)
      if (cpu >= 0 && cpu < CPU_SETSIZE) CPU_SET(cpu, &set);
    where = p.where;
  }
  if (int rc = pthread_setaffinity_np(pthread_self(), sizeof set, &set); rc != 0) {
    FCCL_INFO(Subsys::kInit, "%s thread left unbound: pthread_setaffinity_np failed (%d)", thread, rc);
    return;
  }
  FCCL_TRACE(Subsys::kInit, "%s thread runs on %s", thread, where.c_str());
}

}  // namespace fccl
