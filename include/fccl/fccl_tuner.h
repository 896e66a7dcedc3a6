/* fccl tuner plugin ABI. For every collective call fccl's tuner prices each (algorithm, protocol)
 * pair this communicator can run with its cost model and picks the cheapest. A platform library
 * loaded with FCCL_TUNER_PLUGIN=libfoo.so, exporting `fcclTunerPlugin_v1`, sees that price table
 * before the choice and may change it (and the channel count): it knows its fabric better.
 *
 * Rules of the ABI: `size` and `version` come first; fields are only ever appended; a plugin
 * fills the struct with designated initialisers and every hook is non-NULL. Hooks return
 * fcclSuccess or an error (said why through the log callback) and never exit() or abort().
 *
 * Every rank must load the same plugin and the plugin must answer alike on every rank for the
 * same arguments: ranks that choose differently run different plans and fail the call.
 * getCollInfo is called once per distinct (collective, size) of a communicator; fccl keeps the
 * answer. */
#ifndef FCCL_FCCL_TUNER_H_
#define FCCL_FCCL_TUNER_H_

#include <stddef.h>
#include <stdint.h>

#include "fccl/fccl.h"
#include "fccl/fccl_device.h" /* fcclLogFn: the log callback all plugins share */

#ifdef __cplusplus
extern "C" {
#endif

#define FCCL_TUNER_VERSION(major, minor) (((uint32_t)(major) << 16) | (uint32_t)(minor))
#define FCCL_TUNER_PLUGIN_SYMBOL "fcclTunerPlugin_v1"

/* Rows of the price table. */
typedef enum {
  fcclTunerAlgoRing = 0,
  fcclTunerAlgoTree = 1,
  fcclTunerAlgoDoubling = 2,
  fcclTunerAlgoNvls = 3,        /* switch reduction and multicast over the scale-up fabric */
  fcclTunerAlgoNvlsOneShot = 4, /* the same, every rank reducing the whole (tiny) buffer */
  fcclTunerAlgoHier = 5,        /* scale-up domain, then rails across domains */
  fcclTunerNumAlgos = 6
} fcclTunerAlgo_t;

/* Columns of the price table. */
typedef enum { fcclTunerProtoLL = 0, fcclTunerProtoSimple = 1, fcclTunerNumProtos = 2 } fcclTunerProto_t;

typedef enum {
  fcclTunerAllReduce = 0,
  fcclTunerAllGather = 1,
  fcclTunerReduceScatter = 2,
  fcclTunerBroadcast = 3,
  fcclTunerReduce = 4
} fcclTunerColl_t;

/* The communicator, as init sees it. */
typedef struct {
  int nRanks;
  int nDomains;       /* scale-up domains */
  int ranksPerDomain; /* 0 when domains differ in size */
  int maxChannels;    /* getCollInfo may ask for 1 .. maxChannels */
} fcclTunerTopo_t;

typedef struct {
  size_t size;      /* sizeof(fcclTuner_v1_t) as the plugin compiled it */
  uint32_t version; /* FCCL_TUNER_VERSION(1, 0) */
  const char* name;

  fcclResult_t (*init)(const fcclTunerTopo_t* topo, fcclLogFn log, void** ctx);
  /* costTable points at fcclTunerNumAlgos x fcclTunerNumProtos floats, row-major
   * (costTable[algo * numProtos + proto]): fccl's predicted time in microseconds, or a negative
   * value where that pair cannot run this call. The plugin may change the price of any pair
   * that can run, or rule it out with a negative price (a pair that cannot run stays out
   * whatever it writes), and *nChannels, which holds fccl's choice for the cheapest pair on
   * entry (values outside 1 .. maxChannels are an error). fccl then picks the cheapest pair;
   * if the plugin ruled every pair out, fccl keeps its own choice. */
  fcclResult_t (*getCollInfo)(void* ctx, fcclTunerColl_t coll, size_t bytes, float* costTable, int numAlgos,
                              int numProtos, int* nChannels);
  fcclResult_t (*finalize)(void* ctx);
} fcclTuner_v1_t;

#ifdef __cplusplus
}
#endif

#endif /* FCCL_FCCL_TUNER_H_ */
