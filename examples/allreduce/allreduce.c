/* Averages a gradient-like buffer across all ranks launched by mpirun, and checks the result.
 *   mpirun -np 4 ./example-allreduce */
#include <fccl/fccl.h>
#include <mpi.h>
#include <stdio.h>

#define COUNT 1024

int main(int argc, char** argv) {
  int rank, nranks;
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &nranks);

  fcclUniqueId id;
  if (rank == 0 && fcclGetUniqueId(&id) != fcclSuccess) MPI_Abort(MPI_COMM_WORLD, 1);
  MPI_Bcast(&id, sizeof id, MPI_BYTE, 0, MPI_COMM_WORLD);

  fcclComm_t comm;
  fcclResult_t r = fcclCommInitRank(&comm, nranks, id, rank);
  if (r != fcclSuccess) {
    fprintf(stderr, "rank %d: init: %s: %s\n", rank, fcclGetErrorString(r), fcclGetLastError(NULL));
    MPI_Abort(MPI_COMM_WORLD, 1);
  }

  static float grad[COUNT];
  for (int i = 0; i < COUNT; ++i) grad[i] = (float)(rank + i);
  r = fcclAllReduce(grad, grad, COUNT, fcclFloat32, fcclAvg, comm, NULL);
  if (r != fcclSuccess) fprintf(stderr, "rank %d: allreduce: %s: %s\n", rank, fcclGetErrorString(r), fcclGetLastError(comm));

  int wrong = 0;
  const float meanRank = (float)(nranks - 1) / 2.0f;
  for (int i = 0; i < COUNT; ++i) wrong += grad[i] != meanRank + (float)i;
  if (rank == 0) printf("averaged %d floats over %d ranks: %s\n", COUNT, nranks, wrong ? "WRONG" : "ok");

  fcclCommDestroy(comm);
  MPI_Finalize();
  return r == fcclSuccess && wrong == 0 ? 0 : 1;
}
