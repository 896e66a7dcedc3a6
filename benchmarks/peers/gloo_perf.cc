// gloo-perf: the fccl-perf sweep through Gloo's collectives (all-reduce ring or bcube,
// all-gather, all-to-all) on the same data, checked the same way and printed in the same table.
// mpirun starts the ranks and carries the control plane; Gloo connects its own full mesh over
// TCP through a file store in a directory rank 0 makes. One host (the store is a local file).
//   mpirun -np 4 gloo-perf allreduce -b 8 -e 64M -f 4
//   GLOO_PERF_ALGO=bcube mpirun -np 4 gloo-perf allreduce ...      (default: ring)
//   GLOO_PERF_HOST=10.0.0.1                                        (address Gloo binds; 127.0.0.1)
#include <gloo/allgather.h>
#include <gloo/allreduce.h>
#include <gloo/alltoall.h>
#include <gloo/math.h>
#include <gloo/rendezvous/context.h>
#include <gloo/rendezvous/file_store.h>
#include <gloo/transport/tcp/device.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "mpi_control.h"
#include "perf_args.h"
#include "perf_sweep.h"

namespace fccl::perf {
namespace {

using ReduceFn = void (*)(void*, const void*, const void*, size_t);

template <class T>
ReduceFn reduceFn(fcclRedOp_t op) {
  switch (op) {
    case fcclSum: return &gloo::sum<T>;
    case fcclProd: return &gloo::product<T>;
    case fcclMax: return &gloo::max<T>;
    case fcclMin: return &gloo::min<T>;
    default: return nullptr;
  }
}

ReduceFn reduceFnFor(fcclDataType_t t, fcclRedOp_t op) {
  switch (t) {
    case fcclInt8: return reduceFn<int8_t>(op);
    case fcclUint8: return reduceFn<uint8_t>(op);
    case fcclInt32: return reduceFn<int32_t>(op);
    case fcclUint32: return reduceFn<uint32_t>(op);
    case fcclInt64: return reduceFn<int64_t>(op);
    case fcclUint64: return reduceFn<uint64_t>(op);
    case fcclFloat16: return reduceFn<gloo::float16>(op);
    case fcclFloat32: return reduceFn<float>(op);
    case fcclFloat64: return reduceFn<double>(op);
    default: return nullptr;
  }
}

class GlooRunner final : public CollectiveRunner {
 public:
  GlooRunner(std::shared_ptr<gloo::Context> context, bool bcube) : context_(std::move(context)), bcube_(bcube) {}

  std::string title() const override { return std::string("gloo-perf (") + (bcube_ ? "bcube" : "ring") + ")"; }

  std::string unsupported(Collective c, fcclDataType_t t, std::optional<fcclRedOp_t> op) const override {
    if (c != Collective::kAllReduce && c != Collective::kAllGather && c != Collective::kAllToAll)
      return "gloo-perf runs allreduce, allgather and alltoall";
    if (!reduceFnFor(t, fcclSum)) return "Gloo has no such datatype";
    if (op && !reduceFnFor(t, *op)) return "Gloo has no such op";
    return {};
  }

  Outcome run(const CollArgs& a) override {
    if (a.count == 0) return {};  // nothing moves; Gloo's all-gather would divide by zero
    try {
      switch (a.type) {
        case fcclInt8: return runAs<int8_t>(a);
        case fcclUint8: return runAs<uint8_t>(a);
        case fcclInt32: return runAs<int32_t>(a);
        case fcclUint32: return runAs<uint32_t>(a);
        case fcclInt64: return runAs<int64_t>(a);
        case fcclUint64: return runAs<uint64_t>(a);
        case fcclFloat16: return runAs<gloo::float16>(a);
        case fcclFloat32: return runAs<float>(a);
        case fcclFloat64: return runAs<double>(a);
        default: return {"Gloo has no such datatype"};
      }
    } catch (const std::exception& e) {
      return {std::string(collectiveName(a.coll)) + " failed in Gloo: " + e.what()};
    }
  }

 private:
  // Gloo's options take typed pointers (and no const ones).
  template <class T>
  Outcome runAs(const CollArgs& a) {
    T* send = static_cast<T*>(const_cast<void*>(a.send));
    T* recv = static_cast<T*>(a.recv);
    const size_t all = a.count * static_cast<size_t>(context_->size);
    switch (a.coll) {
      case Collective::kAllReduce: {
        gloo::AllreduceOptions opts(context_);
        if (!a.inPlace) opts.setInput(send, a.count);
        opts.setOutput(recv, a.count);
        opts.setReduceFunction(reduceFn<T>(a.op));
        opts.setAlgorithm(bcube_ ? gloo::AllreduceOptions::Algorithm::BCUBE : gloo::AllreduceOptions::Algorithm::RING);
        opts.setTag(tag_++);
        gloo::allreduce(opts);
        return {};
      }
      case Collective::kAllGather: {
        gloo::AllgatherOptions opts(context_);
        opts.setInput(send, a.count);
        opts.setOutput(recv, all);
        opts.setTag(tag_++);
        gloo::allgather(opts);
        return {};
      }
      case Collective::kAllToAll: {
        T* input = send;
        if (a.inPlace) {  // Gloo reads and writes apart: the input goes through a buffer kept between calls
          if (staging_.size() < all * sizeof(T)) staging_.resize(all * sizeof(T));
          std::memcpy(staging_.data(), recv, all * sizeof(T));
          input = reinterpret_cast<T*>(staging_.data());
        }
        gloo::AlltoallOptions opts(context_);
        opts.setInput(input, all);
        opts.setOutput(recv, all);
        opts.setTag(tag_++);
        gloo::alltoall(opts);
        return {};
      }
      default:
        return {std::string(collectiveName(a.coll)) + " is not run by gloo-perf"};
    }
  }

  std::shared_ptr<gloo::Context> context_;
  bool bcube_;
  uint32_t tag_ = 1;
  std::vector<std::byte> staging_;
};

// Rank 0 makes a fresh directory for Gloo's file store and tells the others its path.
std::string storeDirectory(MPI_Comm comm, int rank) {
  char path[256] = {};
  if (rank == 0) {
    std::snprintf(path, sizeof(path), "/tmp/gloo-perf-XXXXXX");
    if (!mkdtemp(path)) path[0] = '\0';
  }
  MPI_Bcast(path, sizeof(path), MPI_CHAR, 0, comm);
  return path;
}

int run(int argc, char** argv) {
  const ParseResult parsed = parseArgs(std::vector<std::string>(argv + 1, argv + argc));
  const bool printer = launcherRank() == 0;
  if (!parsed.options) {
    if (printer) std::fprintf(stderr, "gloo-perf: %s\nTry 'gloo-perf -h'.\n", parsed.error.c_str());
    return 2;
  }
  if (parsed.options->help) {
    if (printer) std::fputs(usage("gloo-perf").c_str(), stdout);
    return 0;
  }
  MpiSession session(&argc, &argv);
  MpiControl control(MPI_COMM_WORLD);
  const std::string dir = storeDirectory(MPI_COMM_WORLD, control.rank());
  if (dir.empty()) {
    if (control.rank() == 0) std::fprintf(stderr, "gloo-perf: cannot make a directory for Gloo's store\n");
    return 1;
  }
  const char* algo = std::getenv("GLOO_PERF_ALGO");
  const char* host = std::getenv("GLOO_PERF_HOST");
  std::shared_ptr<gloo::Context> context;
  try {
    gloo::rendezvous::FileStore store(dir);
    gloo::transport::tcp::attr attr;
    attr.hostname = host ? host : "127.0.0.1";
    auto device = gloo::transport::tcp::CreateDevice(attr);
    auto rendezvous = std::make_shared<gloo::rendezvous::Context>(control.rank(), control.nranks());
    rendezvous->connectFullMesh(store, device);
    context = rendezvous;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gloo-perf: rank %d: connecting Gloo: %s\n", control.rank(), e.what());
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  MPI_Barrier(MPI_COMM_WORLD);  // everyone is connected: the store's files may go
  if (control.rank() == 0) {
    const std::string command = "rm -rf '" + dir + "'";
    if (std::system(command.c_str()) != 0) std::fprintf(stderr, "gloo-perf: could not remove %s\n", dir.c_str());
  }
  GlooRunner runner(context, algo && std::string(algo) == "bcube");
  int64_t wrong = 0;
  if (Outcome r = runSweep(*parsed.options, runner, control, stdout, wrong); !r.ok()) {
    std::fprintf(stderr, "gloo-perf: rank %d: %s\n", control.rank(), r.error.c_str());
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  return wrong == 0 ? 0 : 1;
}

}  // namespace
}  // namespace fccl::perf

int main(int argc, char** argv) { return fccl::perf::run(argc, argv); }
