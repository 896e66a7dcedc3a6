/* An expert-parallel mixture-of-experts layer: 8 experts spread over the ranks launched by mpirun,
 * a router with random weights picking the top 2 experts of every token, each expert a small
 * two-layer MLP. fcclMoeDispatch sends every token to the ranks of its experts, each rank runs
 * its experts on the rows it received, fcclMoeCombine brings the outputs back and sums them with
 * the router's weights. Every rank then checks its tokens against a reference computed in this
 * process alone (all weights are generated from fixed seeds, so any rank can run any expert).
 *   mpirun -np 4 ./example-moe */
#include <fccl/fccl.h>
#include <fccl/fccl_moe.h>
#include <math.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define EXPERTS 8
#define TOPK 2
#define HIDDEN 64
#define FFN 32

/* A deterministic value in [-1, 1) for (seed, i): every rank generates the same weights. */
static float uniform(uint64_t seed, uint64_t i) {
  uint64_t x = seed * 0x9e3779b97f4a7c15ull + i;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  x ^= x >> 31;
  return (float)(x >> 40) / (float)(1 << 23) - 1.0f;
}

/* Expert e: y = relu(x W1) W2, W1 HIDDEN x FFN, W2 FFN x HIDDEN. */
static void expert(int e, const float* x, float* y) {
  float h[FFN];
  for (int j = 0; j < FFN; ++j) {
    float s = 0;
    for (int i = 0; i < HIDDEN; ++i) s += x[i] * uniform(100 + e, (uint64_t)i * FFN + j);
    h[j] = s > 0 ? s : 0;
  }
  for (int i = 0; i < HIDDEN; ++i) {
    float s = 0;
    for (int j = 0; j < FFN; ++j) s += h[j] * uniform(200 + e, (uint64_t)j * HIDDEN + i);
    y[i] = s / FFN;
  }
}

/* The router: logits x R (R HIDDEN x EXPERTS), the two largest, their softmax as weights. */
static void route(const float* x, int32_t* ids, float* weights) {
  float logit[EXPERTS];
  for (int e = 0; e < EXPERTS; ++e) {
    logit[e] = 0;
    for (int i = 0; i < HIDDEN; ++i) logit[e] += x[i] * uniform(7, (uint64_t)i * EXPERTS + e);
  }
  int first = 0, second = 1;
  for (int e = 0; e < EXPERTS; ++e)
    if (logit[e] > logit[first]) first = e;
  if (second == first) second = 0;
  for (int e = 0; e < EXPERTS; ++e)
    if (e != first && logit[e] > logit[second]) second = e;
  const float a = expf(logit[first] - logit[first]), b = expf(logit[second] - logit[first]);
  ids[0] = first;
  ids[1] = second;
  weights[0] = a / (a + b);
  weights[1] = b / (a + b);
}

static int fail(int rank, const char* what, fcclResult_t r, fcclComm_t comm) {
  fprintf(stderr, "rank %d: %s: %s: %s\n", rank, what, fcclGetErrorString(r), fcclGetLastError(comm));
  MPI_Abort(MPI_COMM_WORLD, 1);
  return 1;
}

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
  if (r != fcclSuccess) return fail(rank, "init", r, NULL);

  /* Experts in contiguous runs: expert e lives on rank e * nranks / EXPERTS. */
  int32_t expertToRank[EXPERTS];
  int localExperts[EXPERTS], numLocal = 0;
  for (int e = 0; e < EXPERTS; ++e) {
    expertToRank[e] = (int32_t)((int64_t)e * nranks / EXPERTS);
    if (expertToRank[e] == rank) localExperts[numLocal++] = e;
  }

  /* This rank's tokens (a different number on each rank), routed. */
  const size_t tokens = 24 + 5 * (size_t)rank;
  float* x = malloc(tokens * HIDDEN * sizeof(float));
  int32_t* ids = malloc(tokens * TOPK * sizeof(int32_t));
  float* weights = malloc(tokens * TOPK * sizeof(float));
  for (size_t t = 0; t < tokens; ++t) {
    for (int i = 0; i < HIDDEN; ++i) x[t * HIDDEN + i] = uniform(1000 + (uint64_t)rank, t * HIDDEN + i);
    route(x + t * HIDDEN, ids + t * TOPK, weights + t * TOPK);
  }

  /* No rank receives more rows than all tokens' slots together: a safe capacity. */
  unsigned long long allTokens = tokens;
  MPI_Allreduce(MPI_IN_PLACE, &allTokens, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
  const size_t capacity = (size_t)allTokens * TOPK;
  float* rows = malloc((capacity ? capacity : 1) * HIDDEN * sizeof(float));
  size_t counts[EXPERTS];
  fcclMoeLayout_t layout;
  r = fcclMoeDispatch(x, ids, tokens, HIDDEN, TOPK, fcclFloat32, expertToRank, EXPERTS, rows, capacity, counts,
                      &layout, comm, NULL);
  if (r != fcclSuccess) return fail(rank, "dispatch", r, comm);

  /* The rows arrive packed by local expert: run each expert on its own rows. */
  size_t received = 0;
  for (int l = 0; l < numLocal; ++l) received += counts[l];
  float* expertOut = malloc((received ? received : 1) * HIDDEN * sizeof(float));
  size_t row = 0;
  for (int l = 0; l < numLocal; ++l)
    for (size_t i = 0; i < counts[l]; ++i, ++row) expert(localExperts[l], rows + row * HIDDEN, expertOut + row * HIDDEN);

  float* out = malloc(tokens * HIDDEN * sizeof(float));
  r = fcclMoeCombine(expertOut, weights, out, layout, comm, NULL);
  if (r != fcclSuccess) return fail(rank, "combine", r, comm);
  fcclMoeLayoutDestroy(layout);

  /* The reference: the same layer in this process alone. */
  double worst = 0;
  for (size_t t = 0; t < tokens; ++t) {
    float y[TOPK][HIDDEN];
    for (int k = 0; k < TOPK; ++k) expert(ids[t * TOPK + k], x + t * HIDDEN, y[k]);
    for (int i = 0; i < HIDDEN; ++i) {
      const float want = weights[t * TOPK] * y[0][i] + weights[t * TOPK + 1] * y[1][i];
      const double err = fabs((double)out[t * HIDDEN + i] - want) / (fabs(want) + 1e-6);
      if (err > worst) worst = err;
    }
  }
  int ok = worst < 1e-5, allOk = 0;
  MPI_Allreduce(&ok, &allOk, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
  unsigned long long rowsTotal = received;
  MPI_Allreduce(MPI_IN_PLACE, &rowsTotal, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
  printf("rank %d: %zu tokens, %d local expert(s), %zu rows received, worst relative error %.2g\n", rank, tokens,
         numLocal, received, worst);
  if (rank == 0)
    printf("moe layer on %d ranks: %llu tokens, %llu rows through %d experts: %s\n", nranks, allTokens, rowsTotal,
           EXPERTS, allOk ? "matches the single-process reference" : "MISMATCH");
  free(out);
  free(expertOut);
  free(rows);
  free(weights);
  free(ids);
  free(x);
  fcclCommDestroy(comm);
  MPI_Finalize();
  return allOk ? 0 : 1;
}
