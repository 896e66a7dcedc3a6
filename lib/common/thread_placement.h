// Where fccl's own threads that carry progress work run: the scale-out net's progress thread
// and the device's stream workers. The communicator finds the CPUs near this rank's memory (its
// NUMA node, lib/topology/host_hardware.h) and sets them here; each such thread places itself
// when it starts, so progress runs where the data is instead of crossing the socket. Unset, the
// threads run wherever the OS puts them. Process-wide: the last communicator to set it wins.
#pragma once

#include <string>
#include <vector>

namespace fccl {

void setProgressCpus(std::vector<int> cpus, std::string where);
// Binds the calling thread to those CPUs, if any are set; never fails the caller (a refused
// binding is logged at INFO and the thread runs unbound).
void placeProgressThread(const char* thread);

}  // namespace fccl
