/* One rank: init, all-reduce, destroy, through the installed headers and library. */
#include <fccl/fccl.h>
#include <stdio.h>

int main(void) {
  fcclUniqueId id;
  fcclComm_t comm;
  int version = 0;
  double x[3] = {1, 2, 3}, y[3] = {0};
  if (fcclGetVersion(&version) || fcclGetUniqueId(&id) || fcclCommInitRank(&comm, 1, id, 0)) return 1;
  if (fcclAllReduce(x, y, 3, fcclFloat64, fcclSum, comm, NULL) || y[2] != 3) return 2;
  fcclCommDestroy(comm);
  printf("fccl %d installed and usable\n", version);
  return 0;
}
