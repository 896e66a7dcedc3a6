// Micro-benchmarks (Google Benchmark) of what a collective's step costs on the host device:
// the reduction kernel per dtype, one chunk through a scale-up FIFO (copy in, copy out), one
// member's step of an NVLS all-reduce (multicastReduceStore),
// each next to memcpy of the same bytes, the bound on this machine's memory system.
//   build/benchmarks/fccl-micro [--benchmark_filter=Reduce]
// Bytes per second count what the loop touches: a reduction reads two inputs and writes one
// output (3 x size), memcpy reads one and writes one (2 x size), a FIFO step copies twice
// (4 x size).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>

#include "device/host_multicast.h"
#include "device/reduce_kernels.h"
#include "perf_types.h"
#include "transports/scaleup/shm_transport.h"

namespace fccl {
namespace {

// Page-aligned, filled: buffers from malloc sit at small, varying distances from each other's
// page offsets, which makes glibc's memcpy (rep movsb) several times slower on some machines.
struct Buffer {
  explicit Buffer(size_t bytes, int fill)
      : memory(static_cast<std::byte*>(std::aligned_alloc(4096, (bytes + 4095) / 4096 * 4096))) {
    std::memset(memory.get(), fill, bytes);
  }
  std::byte* data() const { return memory.get(); }
  struct Free {
    void operator()(std::byte* p) const { std::free(p); }
  };
  std::unique_ptr<std::byte, Free> memory;
};

void reduceSum(benchmark::State& state, fcclDataType_t type) {
  const size_t bytes = static_cast<size_t>(state.range(0));
  const size_t count = bytes / perf::typeSize(type);
  Buffer a(bytes, 1), b(bytes, 2), out(bytes, 0);
  for (auto _ : state) {
    Status s = reduceKernel(out.data(), a.data(), b.data(), count, type, fcclSum);
    if (!s.isOk()) state.SkipWithError(s.message().c_str());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(3 * bytes));
}

void memcpyBound(benchmark::State& state) {
  const size_t bytes = static_cast<size_t>(state.range(0));
  Buffer src(bytes, 1), dst(bytes, 0);
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), bytes);
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(2 * bytes));
  // What all threads copied together per second of their common run: the memory system's rate.
  // (Google Benchmark sums a rate counter over the threads and divides by their summed time.)
  state.counters["all_threads_bytes_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * 2.0 * static_cast<double>(bytes) * state.threads(),
                         benchmark::Counter::kIsRate);
}

// One member's step of an NVLS all-reduce on two members (multicastReduceStore, fp32 sum): its
// slice reduced from both members and written into both, out of place (into other buffers) or
// in place (over the sources). It touches 4 x size: two slices read, two written.
void multicastReduceStore(benchmark::State& state, bool inPlace) {
  const size_t bytes = static_cast<size_t>(state.range(0)), count = bytes / sizeof(float);
  Buffer a(bytes, 1), b(bytes, 2), c(bytes, 0), d(bytes, 0);
  const void* srcs[2] = {a.data(), b.data()};
  void* dsts[2] = {inPlace ? a.data() : c.data(), inPlace ? b.data() : d.data()};
  for (auto _ : state) {
    Status s = multicastReduceStoreKernel(dsts, 2, srcs, 2, count, fcclFloat32, fcclSum);
    if (!s.isOk()) state.SkipWithError(s.message().c_str());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(4 * bytes));
}

// One chunk through a scale-up FIFO to ourselves: acquire a slot, copy the chunk in, commit;
// peek it, copy it out, release. The Simple protocol's whole data path for one hop.
void fifoStep(benchmark::State& state) {
  const size_t bytes = static_cast<size_t>(state.range(0));
  ShmTransport shm(ShmOptions{8, bytes});
  std::vector<std::byte> handle;
  auto recv = shm.listen({0, getpid()}, handle);
  if (!recv.isOk()) {
    state.SkipWithError(recv.status().message().c_str());
    return;
  }
  auto send = shm.connect({0, getpid()}, handle);
  if (!send.isOk()) {
    state.SkipWithError(send.status().message().c_str());
    return;
  }
  Buffer src(bytes, 3), dst(bytes, 0);
  for (auto _ : state) {
    std::span<std::byte> slot = (*send)->acquire();
    std::memcpy(slot.data(), src.data(), bytes);
    (*send)->commit(bytes);
    auto chunk = (*recv)->peek();
    if (!chunk) {
      state.SkipWithError("the chunk did not arrive");
      break;
    }
    std::memcpy(dst.data(), chunk->data(), chunk->size());
    (*recv)->release();
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(4 * bytes));
}

// 64 KiB stays in cache; 4 MiB and 64 MiB go to memory, where a large all-reduce lives.
#define FCCL_SIZES Arg(64 << 10)->Arg(4 << 20)->Arg(64 << 20)

BENCHMARK_CAPTURE(reduceSum, int8, fcclInt8)->FCCL_SIZES;
BENCHMARK_CAPTURE(reduceSum, int32, fcclInt32)->FCCL_SIZES;
BENCHMARK_CAPTURE(reduceSum, int64, fcclInt64)->FCCL_SIZES;
BENCHMARK_CAPTURE(reduceSum, fp8e4m3, fcclFloat8e4m3)->FCCL_SIZES;
BENCHMARK_CAPTURE(reduceSum, fp16, fcclFloat16)->FCCL_SIZES;
BENCHMARK_CAPTURE(reduceSum, bf16, fcclBfloat16)->FCCL_SIZES;
BENCHMARK_CAPTURE(reduceSum, fp32, fcclFloat32)->FCCL_SIZES;
BENCHMARK_CAPTURE(reduceSum, fp64, fcclFloat64)->FCCL_SIZES;
BENCHMARK(memcpyBound)->FCCL_SIZES;
// Every core copying at once: the whole memory system's bound, the B of the all-reduce bound in
// benchmarks/README.md (bytes touched per second, summed over the threads).
BENCHMARK(memcpyBound)->Arg(64 << 20)->ThreadRange(1, static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN)))->UseRealTime();
BENCHMARK(fifoStep)->Arg(64 << 10)->Arg(512 << 10);
BENCHMARK_CAPTURE(multicastReduceStore, out_of_place, false)->FCCL_SIZES;
BENCHMARK_CAPTURE(multicastReduceStore, in_place, true)->FCCL_SIZES;

}  // namespace
}  // namespace fccl

BENCHMARK_MAIN();
